//! Loading: discovery rules, bad input (`testdata/bad-input/`), and cases too big or too
//! environment-dependent to commit (generated in a tempdir).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faultline_syntax::load::{
    Discovered, FrontEnd, Input, LoadErrorKind, LoadOptions, discover, front_end, is_log_path,
    load_all, parse_source, read_source, source_from_bytes,
};
use faultline_syntax::{FileId, LineCol, NodeKind, ParsedText, ProblemKind, SourceFile, TextRange};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bad-input")
}

fn load_fixture(name: &str) -> (SourceFile, ParsedText) {
    let path = fixtures().join(name);
    let d = Discovered {
        display: path.to_string_lossy().into_owned(),
        input: Input::Path(path),
    };
    let file = read_source(FileId(0), &d).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let parsed = parse_source(&file);
    (file, parsed)
}

/// Each problem as (kind, line, column) of its start.
fn problems(file: &SourceFile, parsed: &ParsedText) -> Vec<(ProblemKind, u32, u32)> {
    parsed
        .problems
        .iter()
        .map(|p| {
            let at = file.line_col(p.range.expect("located problem").start);
            (p.kind, at.line, at.column)
        })
        .collect()
}

/// `metadata.name` of every document whose root is a mapping.
fn names(parsed: &ParsedText) -> Vec<String> {
    parsed
        .documents
        .iter()
        .filter_map(|d| d.root())
        .filter(|r| r.is_map())
        .map(|r| {
            r.path(&["metadata", "name"])
                .and_then(|n| n.as_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

/// Documents that hold something (not an empty or null document).
fn objects(parsed: &ParsedText) -> usize {
    parsed
        .documents
        .iter()
        .filter_map(|d| d.root())
        .filter(|r| !r.is_null())
        .count()
}

fn lc(line: u32, column: u32) -> LineCol {
    LineCol { line, column }
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

/// Discovered paths relative to `root`, in discovery order.
fn rels(root: &Path, inputs: &[Input], opts: &LoadOptions) -> Vec<String> {
    let (found, errors) = discover(inputs, opts);
    assert!(errors.is_empty(), "{errors:?}");
    found
        .iter()
        .map(|d| match &d.input {
            Input::Path(p) => p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
            Input::Stdin => d.display.clone(),
        })
        .collect()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn the_whole_fixture_directory_loads_and_bad_files_become_errors() {
    let loaded = load_all(&[Input::Path(fixtures())], &LoadOptions::default());
    let errors: Vec<_> = loaded
        .errors
        .iter()
        .map(|e| {
            let name = Path::new(&e.path).file_name().unwrap().to_str().unwrap();
            (name, e.kind, e.line_col, e.message.as_str())
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "binary.yaml",
                LoadErrorKind::Binary,
                None,
                "binary file skipped"
            ),
            (
                "invalid-utf8.yaml",
                LoadErrorKind::Encoding,
                Some(lc(4, 12)),
                "invalid utf-8 (byte 0xe9); file skipped"
            ),
        ]
    );
    let files: Vec<_> = loaded
        .files
        .iter()
        .map(|f| Path::new(&f.path).file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "alias-bomb.yaml",
            "deep-nesting.yaml",
            "duplicate-keys.yaml",
            "empty.yaml",
            "good-neighbour.yaml",
            "lone-separator.yaml",
            "mixed.yaml",
            "scalar-document.yaml",
            "sequence-document.yaml",
            "syntax-error.yaml",
            "tabs-indentation.yaml",
            "unrendered-template-quoted.yaml",
            "unrendered-template.yaml",
        ]
    );
    for (i, f) in loaded.files.iter().enumerate() {
        assert_eq!(f.id, FileId(i as u32));
    }
    assert_eq!(loaded.parsed.len(), loaded.files.len());
    // The good neighbour is analysed whatever its neighbours hold.
    let good = files
        .iter()
        .position(|f| *f == "good-neighbour.yaml")
        .unwrap();
    assert_eq!(names(&loaded.parsed[good]), ["good-neighbour"]);
    assert!(loaded.parsed[good].problems.is_empty());
}

#[test]
fn syntax_error_points_at_the_unclosed_flow() {
    let (f, p) = load_fixture("syntax-error.yaml");
    assert_eq!(problems(&f, &p), [(ProblemKind::Syntax, 6, 8)]);
    assert_eq!(objects(&p), 0);
    assert_eq!(p.skipped, [TextRange::new(0, f.text.len() as u32)]);
}

#[test]
fn tab_indentation_is_a_syntax_error() {
    let (f, p) = load_fixture("tabs-indentation.yaml");
    assert_eq!(problems(&f, &p), [(ProblemKind::Syntax, 4, 2)]);
    assert!(
        p.problems[0].message.contains("tabs"),
        "{}",
        p.problems[0].message
    );
}

#[test]
fn duplicate_keys_point_at_both_occurrences() {
    let (f, p) = load_fixture("duplicate-keys.yaml");
    assert_eq!(problems(&f, &p), [(ProblemKind::DuplicateKey, 7, 3)]);
    assert_eq!(f.line_col(p.problems[0].related[0].0.start), lc(6, 3));
    assert_eq!(names(&p), ["dup"]);
}

#[test]
fn unrendered_helm_templates() {
    let (_, p) = load_fixture("unrendered-template-quoted.yaml");
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let root = p.documents[0].root().unwrap();
    let image = root
        .path(&["spec", "template", "spec", "containers"])
        .and_then(|c| c.items().next())
        .and_then(|c| c.get("image"))
        .unwrap();
    assert_eq!(image.as_str(), Some("{{ .Values.image }}"));

    // `replicas: {{ .Values.replicas }}` is YAML (a mapping keyed by a mapping), never an int;
    // `name: {{ .Release.Name }}-web` is a syntax error at the `-` after `}}`.
    let (f2, p2) = load_fixture("unrendered-template.yaml");
    let syntax: Vec<_> = problems(&f2, &p2)
        .into_iter()
        .filter(|p| p.0 == ProblemKind::Syntax)
        .collect();
    assert_eq!(syntax, [(ProblemKind::Syntax, 13, 28)]);
    assert_eq!(p2.skipped.len(), 1);
    let replicas = p2
        .documents
        .iter()
        .filter_map(|d| d.root())
        .find_map(|r| r.path(&["spec", "replicas"]));
    assert!(replicas.is_none_or(|r| r.kind() != NodeKind::Int));
}

#[test]
fn empty_whitespace_and_lone_separator_hold_nothing_and_say_nothing() {
    for name in ["empty.yaml", "lone-separator.yaml"] {
        let (_, p) = load_fixture(name);
        assert!(p.problems.is_empty(), "{name}: {:?}", p.problems);
        assert_eq!(objects(&p), 0, "{name}");
    }
    for text in [
        "",
        " \n\t\n",
        "---\n",
        "---\n---\n",
        "# only a comment\n",
        "\u{feff}",
    ] {
        let f = SourceFile::new(FileId(0), "x.yaml", text);
        let p = parse_source(&f);
        assert!(p.problems.is_empty(), "{text:?}: {:?}", p.problems);
        assert_eq!(objects(&p), 0, "{text:?}");
    }
}

#[test]
fn scalar_and_sequence_documents_parse() {
    let (_, p) = load_fixture("scalar-document.yaml");
    assert!(p.problems.is_empty());
    let root = p.documents[0].root().unwrap();
    assert_eq!(root.as_str(), Some("just a string"));

    let (_, p) = load_fixture("sequence-document.yaml");
    assert!(p.problems.is_empty());
    let root = p.documents[0].root().unwrap();
    assert!(root.is_seq());
    assert_eq!(root.len(), 1);
}

#[test]
fn alias_bomb_is_stopped_quickly() {
    let start = Instant::now();
    let (f, p) = load_fixture("alias-bomb.yaml");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(problems(&f, &p), [(ProblemKind::AliasBudget, 5, 8)]);
    assert_eq!(objects(&p), 0);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let (f, p) = load_fixture("deep-nesting.yaml");
    assert!(f.text.len() < 25_000);
    assert_eq!(problems(&f, &p), [(ProblemKind::Syntax, 1, 256)]);
    assert_eq!(p.problems[0].message, "recursion limit exceeded");
}

#[test]
fn a_bad_document_between_two_good_ones_costs_only_itself() {
    let (f, p) = load_fixture("mixed.yaml");
    assert_eq!(names(&p), ["first", "second"]);
    assert_eq!(problems(&f, &p), [(ProblemKind::Syntax, 11, 5)]);
    let skipped = p.skipped[0];
    assert_eq!(f.line_col(skipped.start), lc(7, 1));
    assert_eq!(f.line_col(skipped.end), lc(12, 1));
}

#[test]
fn invalid_utf8_reports_the_first_bad_byte() {
    let d = Discovered {
        display: "invalid-utf8.yaml".into(),
        input: Input::Path(fixtures().join("invalid-utf8.yaml")),
    };
    let e = read_source(FileId(3), &d).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::Encoding);
    assert_eq!(e.path, "invalid-utf8.yaml");
    assert_eq!(e.range, Some(TextRange::new(52, 53)));
    assert_eq!(e.line_col, Some(lc(4, 12)));

    // Columns count characters of the valid prefix; a truncated sequence at the end is named.
    let e =
        source_from_bytes(FileId(0), "x", b"a: 1\nb: \xc3\xa9\xc3\xa9\xff\n".to_vec()).unwrap_err();
    assert_eq!(
        (e.line_col, e.range),
        (Some(lc(2, 6)), Some(TextRange::new(12, 13)))
    );
    let e = source_from_bytes(FileId(0), "x", b"a: \xe2\x82".to_vec()).unwrap_err();
    assert_eq!(e.message, "invalid utf-8 (byte 0xe2 0x82); file skipped");
    assert_eq!(e.line_col, Some(lc(1, 4)));
}

#[test]
fn binary_and_utf16_files_are_skipped_with_an_error() {
    let e = source_from_bytes(FileId(0), "b", b"kind: x\n\0".to_vec()).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (LoadErrorKind::Binary, "binary file skipped")
    );
    // A NUL after the first 8 KiB is not looked for (git's rule); the file is text.
    let mut late = vec![b'#'; 9000];
    late.push(0);
    assert!(source_from_bytes(FileId(0), "b", late).is_ok());
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("a: 1\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let e = source_from_bytes(FileId(0), "w.yaml", utf16).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::Encoding);
    assert_eq!(e.message, "file is utf-16 encoded; convert it to utf-8");
}

#[test]
fn a_bom_is_kept_so_offsets_are_file_offsets() {
    for (path, text) in [
        ("a.yaml", "\u{feff}kind: x\n"),
        ("a.json", "\u{feff}{\"kind\": \"x\"}"),
    ] {
        let f = source_from_bytes(FileId(0), path, text.as_bytes().to_vec()).unwrap();
        assert_eq!(&*f.text, text);
        let p = parse_source(&f);
        assert!(p.problems.is_empty(), "{path}: {:?}", p.problems);
        let kind = p.documents[0].root().unwrap().get("kind").unwrap();
        assert_eq!(f.slice(kind.range()).trim_matches('"'), "x", "{path}");
    }
}

#[test]
fn front_end_choice() {
    assert_eq!(front_end("a.json", "[1]"), FrontEnd::Json);
    assert_eq!(front_end("a.JSON", "kind: x"), FrontEnd::Json);
    assert_eq!(front_end("a.yaml", "{\"a\": 1}"), FrontEnd::Yaml);
    assert_eq!(front_end("a.yml", "{}"), FrontEnd::Yaml);
    assert_eq!(front_end("<stdin>", " \n\t{\"a\": 1}"), FrontEnd::Json);
    assert_eq!(front_end("<stdin>", "\u{feff}{}"), FrontEnd::Json);
    assert_eq!(front_end("<stdin>", "[a, b]"), FrontEnd::Yaml);
    assert_eq!(front_end("<stdin>", "# c\n{}"), FrontEnd::Yaml);
    assert_eq!(front_end("/dev/fd/63", "{}"), FrontEnd::Json);
    assert_eq!(front_end("manifest.txt", "kind: x"), FrontEnd::Yaml);
    // Concatenated `kubectl get -o json` outputs on stdin are JSON documents.
    let f = SourceFile::new(FileId(0), "<stdin>", "{\"a\": 1}\n{\"a\": 2}\n");
    assert_eq!(parse_source(&f).documents.len(), 2);
}

#[test]
fn ten_megabyte_scalar_parses_fast() {
    let dir = tempdir();
    let text = format!("kind: ConfigMap\ndata:\n  big: {}\n", "x".repeat(10 << 20));
    write(dir.path(), "big.yaml", &text);
    let start = Instant::now();
    let loaded = load_all(&[Input::Path(dir.path().into())], &LoadOptions::default());
    let took = start.elapsed();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let big = loaded.parsed[0].documents[0]
        .root()
        .unwrap()
        .path(&["data", "big"])
        .unwrap();
    assert_eq!(big.as_str().map(str::len), Some(10 << 20));
    // Generous for unoptimised builds on a loaded 2-core machine; a quadratic scan would take minutes.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn missing_paths_are_errors_naming_the_os_reason() {
    let dir = tempdir();
    let missing = dir.path().join("nope.yaml");
    let (found, errors) = discover(&[Input::Path(missing.clone())], &LoadOptions::default());
    assert!(found.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, LoadErrorKind::Io);
    assert_eq!(errors[0].path, missing.to_string_lossy());
    assert_eq!(errors[0].message, "cannot open: no such file or directory");
}

#[cfg(unix)]
#[test]
#[allow(
    clippy::print_stderr,
    reason = "a skipped assertion must say so in the test output"
)]
fn unreadable_files_and_directories_are_errors() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let secret = write(dir.path(), "secret.yaml", "kind: Secret\n");
    write(dir.path(), "locked/inside.yaml", "kind: x\n");
    write(dir.path(), "ok.yaml", "kind: ConfigMap\n");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    let locked = dir.path().join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let loaded = load_all(&[Input::Path(dir.path().into())], &LoadOptions::default());
    let privileged = fs::read(&secret).is_ok();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        eprintln!("skipped: running with privileges (root?) that read chmod 000 files");
        assert_eq!(loaded.files.len(), 3);
        return;
    }
    let errors: Vec<_> = loaded
        .errors
        .iter()
        .map(|e| {
            (
                Path::new(&e.path).file_name().unwrap().to_str().unwrap(),
                e.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("locked", "cannot read directory: permission denied"),
            ("secret.yaml", "cannot read file: permission denied"),
        ]
    );
    assert_eq!(loaded.files.len(), 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_end_the_walk_with_an_error() {
    use std::os::unix::fs::symlink;
    let dir = tempdir();
    let root = dir.path();
    write(root, "a/x.yaml", "kind: x\n");
    symlink("..", root.join("a/up")).unwrap();
    symlink("b2", root.join("b1")).unwrap();
    symlink("b1", root.join("b2")).unwrap();
    symlink("gone.yaml", root.join("dangling.yaml")).unwrap();
    symlink("a/x.yaml", root.join("z-link.yaml")).unwrap();

    let (found, errors) = discover(&[Input::Path(root.into())], &LoadOptions::default());
    let found: Vec<_> = found
        .iter()
        .map(|d| match &d.input {
            Input::Path(p) => p.strip_prefix(root).unwrap().to_str().unwrap().to_owned(),
            Input::Stdin => unreachable!(),
        })
        .collect();
    // The file reached three ways (directly, through `up`, through `z-link.yaml`) is kept once.
    assert_eq!(found, ["a/x.yaml"]);
    let errors: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.kind,
                Path::new(&e.path)
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap(),
                e.message.clone(),
            )
        })
        .collect();
    let root_shown = root.to_string_lossy();
    assert_eq!(
        errors,
        [
            (
                LoadErrorKind::SymlinkLoop,
                "a/up",
                format!("symbolic link loop: points back to `{root_shown}`; not followed")
            ),
            (
                LoadErrorKind::Io,
                "b1",
                "cannot read: too many levels of symbolic links".to_owned()
            ),
            (
                LoadErrorKind::Io,
                "b2",
                "cannot read: too many levels of symbolic links".to_owned()
            ),
            (
                LoadErrorKind::Io,
                "dangling.yaml",
                "broken symbolic link".to_owned()
            ),
        ]
    );

    // Not following links: links inside the walk are skipped, quietly.
    let opts = LoadOptions {
        follow_links: false,
        ..LoadOptions::default()
    };
    assert_eq!(rels(root, &[Input::Path(root.into())], &opts), ["a/x.yaml"]);
}

#[test]
fn gitignore_applies_outside_a_repository_unless_no_ignore() {
    let dir = tempdir();
    let root = dir.path();
    write(root, ".gitignore", "rendered/\n*.generated.yaml\n");
    write(root, "sub/.ignore", "local.yaml\n");
    write(root, "app.yaml", "a: 1\n");
    write(root, "app.generated.yaml", "a: 1\n");
    write(root, "rendered/out.yaml", "a: 1\n");
    write(root, "sub/local.yaml", "a: 1\n");
    write(root, "sub/kept.yml", "a: 1\n");
    write(root, ".hidden/h.yaml", "a: 1\n");
    write(root, ".h.yaml", "a: 1\n");
    let input = [Input::Path(root.into())];
    assert_eq!(
        rels(root, &input, &LoadOptions::default()),
        ["app.yaml", "sub/kept.yml"]
    );
    let no_ignore = LoadOptions {
        no_ignore: true,
        ..LoadOptions::default()
    };
    assert_eq!(
        rels(root, &input, &no_ignore),
        [
            "app.generated.yaml",
            "app.yaml",
            "rendered/out.yaml",
            "sub/kept.yml",
            "sub/local.yaml"
        ]
    );
    let hidden = LoadOptions {
        hidden: true,
        ..LoadOptions::default()
    };
    assert_eq!(
        rels(root, &input, &hidden),
        [".h.yaml", ".hidden/h.yaml", "app.yaml", "sub/kept.yml"]
    );
    // Named explicitly, an ignored or hidden file is read anyway.
    let named = [
        Input::Path(root.join("rendered/out.yaml")),
        Input::Path(root.join(".h.yaml")),
    ];
    assert_eq!(
        rels(root, &named, &LoadOptions::default()),
        [".h.yaml", "rendered/out.yaml"]
    );
}

#[test]
fn include_and_exclude_globs() {
    let dir = tempdir();
    let root = dir.path();
    for rel in [
        "base/a.yaml",
        "base/deep/b.yaml",
        "base/c.json",
        "base/notes.md",
        "charts/x/templates/t.yaml",
        "prod/d.yaml.tpl",
        "prod/e.YML",
    ] {
        write(root, rel, "a: 1\n");
    }
    let input = [Input::Path(root.into())];
    let all = [
        "base/a.yaml",
        "base/c.json",
        "base/deep/b.yaml",
        "charts/x/templates/t.yaml",
        "prod/e.YML",
    ];
    assert_eq!(rels(root, &input, &LoadOptions::default()), all);

    let opts = |include: &[&str], exclude: &[&str]| LoadOptions {
        include: include.iter().map(|s| s.to_string()).collect(),
        exclude: exclude.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    // Include replaces the default filter; `*` does not cross `/`, the file name still matches.
    assert_eq!(
        rels(root, &input, &opts(&["*.tpl"], &[])),
        ["prod/d.yaml.tpl"]
    );
    assert_eq!(
        rels(root, &input, &opts(&["base/*.yaml"], &[])),
        ["base/a.yaml"]
    );
    assert_eq!(
        rels(root, &input, &opts(&["base/**/*.yaml"], &[])),
        ["base/a.yaml", "base/deep/b.yaml"]
    );
    // Exclude by directory name prunes it; by relative path; by file name.
    assert_eq!(
        rels(
            root,
            &input,
            &opts(&[], &["charts", "base/deep/**", "*.json"])
        ),
        ["base/a.yaml", "prod/e.YML"]
    );
    // Explicit files take any extension, but exclude still applies to the path as written.
    let named = [
        Input::Path(root.join("base/notes.md")),
        Input::Path(root.join("base/a.yaml")),
    ];
    assert_eq!(
        rels(root, &named, &LoadOptions::default()),
        ["base/a.yaml", "base/notes.md"]
    );
    assert_eq!(
        rels(root, &named, &opts(&["*.json"], &["*.md"])),
        ["base/a.yaml"]
    );

    let (found, errors) = discover(&input, &opts(&["a[b"], &[]));
    assert!(found.is_empty());
    assert_eq!(errors[0].kind, LoadErrorKind::InvalidGlob);
    assert_eq!(errors[0].path, "--include");
    assert!(
        errors[0].message.starts_with("invalid glob `a[b`: "),
        "{}",
        errors[0].message
    );
}

#[test]
fn output_is_sorted_deduplicated_and_stable() {
    let dir = tempdir();
    let root = dir.path();
    for rel in ["b.yaml", "a-b.yaml", "a/b.yaml", "A.yaml", "a.yaml"] {
        write(root, rel, "a: 1\n");
    }
    let inputs = [
        Input::Path(root.join("a")),
        Input::Stdin,
        Input::Path(root.into()),
        Input::Path(root.join("b.yaml")),
        Input::Path(root.join("b.yaml")),
        Input::Stdin,
    ];
    let expected = [
        "<stdin>", "A.yaml", "a-b.yaml", "a.yaml", "a/b.yaml", "b.yaml",
    ];
    for _ in 0..3 {
        assert_eq!(rels(root, &inputs, &LoadOptions::default()), expected);
    }
    let (found, _) = discover(&inputs, &LoadOptions::default());
    assert_eq!(found[0].input, Input::Stdin);
    assert_eq!(found[1].display, root.join("A.yaml").to_string_lossy());
    assert_eq!(Input::from_arg("-"), Input::Stdin);
    assert_eq!(Input::from_arg("x.yaml"), Input::Path("x.yaml".into()));
}

#[test]
fn pod_logs_of_a_cluster_dump_are_read_but_never_parsed() {
    let dir = tempdir();
    let root = dir.path();
    write(
        root,
        "nodes.json",
        "{\"kind\": \"NodeList\", \"apiVersion\": \"v1\", \"items\": []}\n",
    );
    write(
        root,
        "shop/pods.json",
        "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"items\": []}\n",
    );
    write(
        root,
        "shop/api-1/logs.txt",
        "key: [unclosed\n\tjava.lang.OutOfMemoryError\n",
    );
    write(root, "shop/api-1/other.txt", "not picked\n");
    fs::create_dir_all(root.join("shop/api-2")).unwrap();
    fs::write(root.join("shop/api-2/logs.txt"), b"bad \xff byte\n\0").unwrap();
    let input = [Input::Path(root.into())];
    assert_eq!(
        rels(root, &input, &LoadOptions::default()),
        [
            "nodes.json",
            "shop/api-1/logs.txt",
            "shop/api-2/logs.txt",
            "shop/pods.json"
        ]
    );
    let loaded = load_all(&input, &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    for (file, parsed) in loaded.files.iter().zip(&loaded.parsed) {
        if is_log_path(&file.path) {
            assert!(parsed.documents.is_empty() && parsed.problems.is_empty());
        }
    }
    let bad = loaded
        .files
        .iter()
        .find(|f| f.path.ends_with("api-2/logs.txt"))
        .unwrap();
    assert_eq!(&*bad.text, "bad \u{fffd} byte\n\0");
    assert!(!is_log_path("shop/api-1/logs.txt.bak"));
}

#[test]
fn sizes_read_as_kubernetes_and_si_quantities() {
    use faultline_syntax::load::{MAX_INPUT_SIZE, format_size, parse_max_input_size, parse_size};
    for (text, bytes) in [
        ("1048576", 1 << 20),
        ("1Ki", 1024),
        ("500Mi", 500 << 20),
        ("1.5Gi", 3 << 29),
        ("100M", 100_000_000),
        ("100MB", 100_000_000),
        ("2k", 2000),
        ("2K", 2000),
        ("3G", 3_000_000_000),
        ("1MiB", 1 << 20),
        (" 7 ", 7),
        ("10B", 10),
    ] {
        assert_eq!(parse_size(text), Ok(bytes), "{text}");
    }
    for bad in ["", "Mi", "1m", "1.2.3", "-1", "1Xi", "1 Gib", "."] {
        assert!(parse_size(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_max_input_size("4Gi"), Ok(MAX_INPUT_SIZE));
    assert_eq!(parse_max_input_size("4294967295"), Ok(MAX_INPUT_SIZE));
    let e = parse_max_input_size("5Gi").unwrap_err();
    assert!(e.contains("the most faultline can read"), "{e}");
    assert!(parse_max_input_size("0").is_err());
    assert!(parse_max_input_size("4294967297").is_err());

    assert_eq!(format_size(1), "1 byte");
    assert_eq!(format_size(1023), "1023 bytes");
    assert_eq!(format_size(1024), "1 KiB");
    assert_eq!(format_size(2_000_000), "1.9 MiB");
    assert_eq!(format_size(MAX_INPUT_SIZE), "4 GiB");
    assert_eq!(format_size(5 << 30), "5 GiB");
}

#[test]
fn stream_paths_are_those_shells_pass() {
    use faultline_syntax::load::is_stream_path;
    for yes in ["/dev/stdin", "/dev/fd/0", "/dev/fd/63", "/proc/self/fd/12"] {
        assert!(is_stream_path(Path::new(yes)), "{yes}");
    }
    for no in [
        "/dev/zero",
        "/dev/fd/",
        "/dev/fd/x",
        "dev/fd/1",
        "/proc/1/fd/1",
        "-",
    ] {
        assert!(!is_stream_path(Path::new(no)), "{no}");
    }
}

#[test]
fn inputs_over_the_limit_are_refused() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "small.yaml", "kind: x\n");
    write(
        root,
        "big.yaml",
        &format!("kind: x\ndata: {}\n", "y".repeat(20_000)),
    );
    let opts = LoadOptions {
        max_input_size: 10_000,
        ..LoadOptions::default()
    };
    let loaded = load_all(&[Input::Path(root.into())], &opts);
    assert_eq!(loaded.files.len(), 1);
    let e = &loaded.errors[0];
    assert_eq!(e.kind, LoadErrorKind::TooLarge);
    assert!(e.path.ends_with("big.yaml"));
    assert_eq!(
        e.message,
        "file is 19.5 KiB, over the 9.8 KiB limit (--max-input-size); split it, or raise the limit"
    );
    // Sizes that round alike are given in bytes.
    let opts = LoadOptions {
        max_input_size: 20_014,
        ..LoadOptions::default()
    };
    let e = &load_all(&[Input::Path(root.join("big.yaml"))], &opts).errors[0];
    assert_eq!(
        e.message,
        "file is 20015 bytes, over the 20014-byte limit (--max-input-size); split it, or raise the limit"
    );

    // A sparse file over 4 GiB: refused from its size, not read (its NULs would make it binary).
    let huge = fs::File::create(root.join("huge.yaml")).unwrap();
    huge.set_len(5 << 30).unwrap();
    drop(huge);
    let start = Instant::now();
    let loaded = load_all(
        &[Input::Path(root.join("huge.yaml"))],
        &LoadOptions::default(),
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(loaded.errors[0].kind, LoadErrorKind::TooLarge);
    assert_eq!(
        loaded.errors[0].message,
        "file is 5 GiB, over the 4 GiB limit (--max-input-size), the most faultline can read \
         (offsets are 32-bit); split it"
    );
    // A limit above the most is the most.
    let opts = LoadOptions {
        max_input_size: u64::MAX,
        ..LoadOptions::default()
    };
    let loaded = load_all(&[Input::Path(root.join("huge.yaml"))], &opts);
    assert_eq!(loaded.errors[0].kind, LoadErrorKind::TooLarge);
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_named_on_the_command_line_are_not_opened() {
    let dir = tempdir();
    let root = dir.path();
    let fifo = root.join("p.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    write(root, "ok.yaml", "kind: x\n");
    // Named: refused (opening it would block until something writes).
    let loaded = load_all(
        &[Input::Path(fifo.clone()), Input::Path("/dev/zero".into())],
        &LoadOptions::default(),
    );
    let errors: Vec<_> = loaded
        .errors
        .iter()
        .map(|e| (e.kind, e.path.as_str(), e.message.as_str()))
        .collect();
    let fifo_path = fifo.to_string_lossy();
    let fifo_message = format!(
        "is a named pipe (FIFO); faultline reads regular files, directories and `-` (stdin): \
         pipe it in with `cat {fifo_path} | faultline check -`"
    );
    assert_eq!(
        errors,
        [
            (
                LoadErrorKind::NotAFile,
                "/dev/zero",
                "is a character device; faultline reads regular files, directories and `-` (stdin)"
            ),
            (LoadErrorKind::NotAFile, &*fifo_path, fifo_message.as_str()),
        ]
    );
    // Walked: skipped without a word.
    let loaded = load_all(&[Input::Path(root.into())], &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.files.len(), 1);
}
