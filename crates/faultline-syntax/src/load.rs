//! From command-line inputs to parsed sources: discovery, reading, choice of front end.
//!
//! Bad input never panics and never vanishes: every file that cannot be used becomes a
//! [`LoadError`] naming it, and everything wrong inside a readable file is a
//! [`Problem`](crate::Problem) in its [`ParsedText`].
//!
//! # Discovery ([`discover`])
//!
//! * A file named on the command line is always taken, whatever its extension, even when hidden
//!   or ignored; only `exclude` applies to it (a user may pass a shell glob and exclude from it).
//!   It must be a regular file, or one of the stream paths shells use to pass process
//!   substitution: `/dev/stdin`, `/dev/fd/N` (bash's `faultline check <(helm template .)`) and
//!   `/proc/self/fd/N` (zsh's), which are read as streams whatever they are (pipe, terminal,
//!   file). Any other FIFO, socket or character or block device named on the command line
//!   (`/dev/zero`, a named pipe) is [`LoadErrorKind::NotAFile`] and never opened: opening a
//!   FIFO blocks until something writes to it, and a device may never end. Pipe such input to
//!   `-` instead.
//! * A directory is walked recursively with the `ignore` crate (ripgrep's walker):
//!   `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes apply, also
//!   outside a git repository (`require_git(false)`: users expect a `.gitignore` next to their
//!   manifests to count whether or not the directory is a checkout). Hidden files and
//!   directories are skipped unless [`LoadOptions::hidden`]; [`LoadOptions::no_ignore`] turns
//!   the ignore files off (like `rg --no-ignore`, it does not show hidden files).
//! * File filter of a walk: `*.yaml`, `*.yml`, `*.json` (extension compared ASCII
//!   case-insensitively), and pod logs named `logs.txt` (see *Logs* below). Non-empty
//!   [`LoadOptions::include`] *replaces* that default, so
//!   `--include '*.yaml.tpl'` can select other extensions; write `prod/**/*.yaml`, not `prod/**`,
//!   to narrow. [`LoadOptions::exclude`] always wins, and prunes matching directories.
//! * A glob matches when it matches either the path relative to the walked root (`a/b.yaml`;
//!   for a file named on the command line, the path as written without leading `./`) or the
//!   file name alone. `*` does not cross `/`, `**` does; so `*.yaml` selects at any depth
//!   through the file name, and `base/*.yaml` only directly under `base/`.
//! * A walk takes regular files only: FIFOs, sockets and devices inside a walked directory are
//!   skipped without a word, as ripgrep and git do.
//! * Symbolic links are followed by default ([`LoadOptions::follow_links`]), as `kubectl -f`
//!   reads linked files. A link back to an ancestor directory is reported as
//!   [`LoadErrorKind::SymlinkLoop`] and not entered, so the walk always ends. With
//!   `follow_links: false` links found inside a walk are skipped (ripgrep's default); links
//!   named on the command line are always followed.
//! * Output is sorted by path bytes (stdin first) so [`FileId`]s are deterministic; a file
//!   reached twice (named twice, or through a link) is kept once, under its smallest path.
//!   Errors are sorted by path too.
//!
//! # Reading ([`read_source`])
//!
//! The text is kept byte for byte, so every offset is a file offset. A UTF-8 byte order mark
//! stays in the text and both parsers skip it (on line 1 it counts as one column, as
//! [`LineIndex`] counts every character). Files with a NUL byte in their first 8 KiB are binary and skipped
//! (git's and ripgrep's rule); UTF-16/32 files (PowerShell's `>` writes UTF-16) and invalid
//! UTF-8 are skipped with an error that points at the first bad byte. Stdin is read once, to
//! its end: [`discover`] keeps at most one [`Input::Stdin`]. A stream (stdin, and the stream
//! paths above) is read once per process: what it gave is kept and given again to a later
//! load of the same input (`faultline diff - -`, `faultline triage - --manifests -`), as a
//! pipe has nothing left the second time.
//!
//! Every input file or stream is limited to [`LoadOptions::max_input_size`] bytes (CLI
//! `--max-input-size`; default and most [`MAX_INPUT_SIZE`], 4 GiB − 1, because offsets are
//! `u32`). A bigger one is [`LoadErrorKind::TooLarge`], never a panic or an exhausted machine:
//!
//! * a regular file's size is checked before it is opened (a sparse 5 GiB file is refused
//!   without reading a byte); so is stdin's when it is redirected from a regular file;
//! * streams (stdin, `/dev/fd/N`, a pipe) are read incrementally and reading stops as soon as
//!   the limit is passed;
//! * the first 8 KiB of every input are checked (UTF-16/32 byte order marks, then a NUL byte)
//!   before the rest is read, so `faultline check - < /dev/zero` stops after 8 KiB as binary.
//!
//! # Logs
//!
//! `kubectl cluster-info dump --output-directory` writes each pod's container logs to
//! `<namespace>/<pod>/logs.txt`. A file with that name ([`is_log_path`]) is evidence, not a
//! manifest: it is read (lossily, as logs may hold any bytes; it is never an unreadable input)
//! and kept with the other sources so that findings can point at its lines, but it is never
//! given to a parser: its [`ParsedText`] is empty. What it says is read by the model
//! (`faultline_model::logs`).

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::document::ParsedText;
use crate::problem::{Problem, ProblemKind};
use crate::text::{FileId, LineCol, LineIndex, SourceFile, TextRange};

/// The display path of standard input.
pub const STDIN_PATH: &str = "<stdin>";

/// Extensions a directory walk picks up when no `include` glob is given.
const DEFAULT_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The file name `kubectl cluster-info dump` gives to a pod's logs.
pub const LOG_FILE_NAME: &str = "logs.txt";

/// Whether `path` names a pod log (`…/<namespace>/<pod>/logs.txt`) rather than a manifest.
pub fn is_log_path(path: &str) -> bool {
    Path::new(path).file_name() == Some(OsStr::new(LOG_FILE_NAME))
}

/// How much of a file is searched for a NUL byte to call it binary (git and ripgrep use 8 KiB).
const BINARY_PROBE: usize = 8 * 1024;

const UTF8_BOM: &str = "\u{feff}";

/// The largest input faultline reads, 4 GiB − 1 byte: offsets into a file are `u32`
/// ([`TextRange`]). The default and the most [`LoadOptions::max_input_size`] can be.
pub const MAX_INPUT_SIZE: u64 = u32::MAX as u64;

/// How inputs are discovered. See the [module docs](self) for the exact rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Globs selecting files in directory walks; non-empty replaces the default
    /// `*.yaml`/`*.yml`/`*.json` filter.
    pub include: Vec<String>,
    /// Globs removing files and directories, in walks and among files named explicitly.
    pub exclude: Vec<String>,
    /// Do not read `.gitignore`, `.ignore` or git exclude files.
    pub no_ignore: bool,
    /// Walk hidden files and directories too.
    pub hidden: bool,
    /// Follow symbolic links inside directory walks (default `true`; loops are reported).
    pub follow_links: bool,
    /// The most bytes read from one input file or stream (default and most
    /// [`MAX_INPUT_SIZE`]; a larger value counts as [`MAX_INPUT_SIZE`]). A bigger input is
    /// [`LoadErrorKind::TooLarge`]. [`parse_max_input_size`] reads `--max-input-size`.
    pub max_input_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            include: Vec::new(),
            exclude: Vec::new(),
            no_ignore: false,
            hidden: false,
            follow_links: true,
            max_input_size: MAX_INPUT_SIZE,
        }
    }
}

/// One command-line input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// Standard input (the argument `-`).
    Stdin,
    /// A file or a directory to walk.
    Path(PathBuf),
}

impl Input {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: impl AsRef<OsStr>) -> Self {
        let arg = arg.as_ref();
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// A file to read: where it is and how to show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// `Input::Path` of a file (never a directory), or `Input::Stdin`.
    pub input: Input,
    /// The path as the user wrote it, joined with the part found by walking; `<stdin>`.
    pub display: String,
}

/// What went wrong, so the CLI can pick a severity (a binary file among manifests is less
/// alarming than a path that does not exist).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadErrorKind {
    /// The OS refused: missing path, permission denied, broken link, unreadable directory.
    Io,
    /// A NUL byte in the first 8 KiB.
    Binary,
    /// Not UTF-8 (invalid bytes, or UTF-16/32).
    Encoding,
    /// A symbolic link to one of its ancestors; not followed.
    SymlinkLoop,
    /// A line of a `.gitignore`/`.ignore` file could not be used; the rest of it still applies.
    IgnoreFile,
    /// An `include`/`exclude` glob does not parse; nothing is loaded.
    InvalidGlob,
    /// The parser panicked on this file (a bug); the file is skipped and the run goes on.
    Internal,
    /// Over [`LoadOptions::max_input_size`] (at most [`MAX_INPUT_SIZE`], as offsets are `u32`):
    /// refused before reading when the size is known, else as soon as the limit is passed.
    TooLarge,
    /// A FIFO, socket or device named on the command line, other than the stream paths
    /// (`/dev/stdin`, `/dev/fd/N`, `/proc/self/fd/N`): reading it could block forever or never
    /// end, so it is not opened.
    NotAFile,
}

/// A file or option that could not be used. Rendered by the CLI as `path[:line:col]: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    /// The display path of the file or directory (the option name for [`LoadErrorKind::InvalidGlob`]).
    pub path: String,
    /// Byte range of the offending bytes, when there are some (the first invalid UTF-8 sequence).
    pub range: Option<TextRange>,
    /// 1-based line and column of `range.start` (or of the offending ignore-file line), computed
    /// here because the file's text is not kept.
    pub line_col: Option<LineCol>,
    /// Lowercase, no trailing period.
    pub message: String,
    /// For a file that is not valid UTF-8: its text with the bad bytes replaced (U+FFFD), so
    /// that the bad byte can be shown in context. Not kept for other errors.
    pub lossy_text: Option<String>,
}

impl LoadError {
    fn new(kind: LoadErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            range: None,
            line_col: None,
            message: message.into(),
            lossy_text: None,
        }
    }

    fn io(path: impl Into<String>, doing: &str, err: &io::Error) -> Self {
        Self::new(
            LoadErrorKind::Io,
            path,
            format!("{doing}: {}", os_reason(err)),
        )
    }

    /// The input this error refused, as a source numbered `id`: the readable part of its text
    /// (a non-UTF-8 file's, lossily, so the bad byte's position shows; empty otherwise) and a
    /// [`ParsedText`] holding one [`ProblemKind::Unreadable`] with the error's message and
    /// range. How a refused input stays in a run's file list, to be reported at its path.
    pub fn into_unreadable(self, id: FileId) -> (SourceFile, ParsedText) {
        let text = match self.kind {
            LoadErrorKind::Encoding => self.lossy_text.unwrap_or_default(),
            _ => String::new(),
        };
        let range = self.range.filter(|r| (r.end as usize) <= text.len());
        let file = SourceFile::new(id, self.path, text);
        let parsed = ParsedText {
            problems: vec![Problem {
                kind: ProblemKind::Unreadable,
                range,
                message: self.message,
                related: Vec::new(),
            }],
            ..ParsedText::default()
        };
        (file, parsed)
    }
}

/// Everything [`load_all`] produced. `files[i].id == FileId(i)` and `parsed[i]` belongs to
/// `files[i]`; files that could not be read get no id and appear only in `errors`.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub parsed: Vec<ParsedText>,
    pub errors: Vec<LoadError>,
}

/// Expands inputs into the files to read, sorted by path bytes, duplicates removed.
pub fn discover(inputs: &[Input], opts: &LoadOptions) -> (Vec<Discovered>, Vec<LoadError>) {
    let filter = match Filter::new(opts) {
        Ok(f) => Arc::new(f),
        Err(errors) => return (Vec::new(), errors),
    };
    let mut found: Vec<Input> = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        let Input::Path(path) = input else {
            found.push(Input::Stdin);
            continue;
        };
        match fs::metadata(path) {
            Err(e) => errors.push(LoadError::io(display(path), "cannot open", &e)),
            Ok(meta) if meta.is_dir() => walk(path, opts, &filter, &mut found, &mut errors),
            Ok(_) => {
                let written: PathBuf = path
                    .components()
                    .filter(|c| *c != Component::CurDir)
                    .collect();
                if !filter.excluded(&written) {
                    found.push(Input::Path(path.clone()));
                }
            }
        }
    }

    found.sort_by(|a, b| sort_key(a).cmp(sort_key(b)));
    let mut seen = HashSet::new();
    found.retain(|input| match input {
        Input::Stdin => seen.insert(None),
        Input::Path(p) => seen.insert(Some(fs::canonicalize(p).unwrap_or_else(|_| p.clone()))),
    });
    let found = found
        .into_iter()
        .map(|input| Discovered {
            display: match &input {
                Input::Stdin => STDIN_PATH.to_owned(),
                Input::Path(p) => display(p),
            },
            input,
        })
        .collect();
    errors.sort_by(|a, b| (&a.path, a.kind, &a.message).cmp(&(&b.path, b.kind, &b.message)));
    errors.dedup();
    (found, errors)
}

fn sort_key(input: &Input) -> &[u8] {
    match input {
        Input::Stdin => &[],
        Input::Path(p) => p.as_os_str().as_encoded_bytes(),
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Compiled `include`/`exclude` globs.
struct Filter {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl Filter {
    fn new(opts: &LoadOptions) -> Result<Self, Vec<LoadError>> {
        let mut errors = Vec::new();
        let include = compile("--include", &opts.include, &mut errors);
        let exclude = compile("--exclude", &opts.exclude, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            include: (!opts.include.is_empty()).then_some(include),
            exclude,
        })
    }

    fn matches(set: &GlobSet, rel: &Path) -> bool {
        set.is_match(rel) || rel.file_name().is_some_and(|name| set.is_match(name))
    }

    fn excluded(&self, rel: &Path) -> bool {
        Self::matches(&self.exclude, rel)
    }

    /// Whether a walked file at `rel` (relative to the walked root) is selected.
    fn selects_file(&self, rel: &Path) -> bool {
        let included = match &self.include {
            Some(set) => Self::matches(set, rel),
            None => {
                rel.file_name() == Some(OsStr::new(LOG_FILE_NAME))
                    || rel.extension().and_then(OsStr::to_str).is_some_and(|ext| {
                        DEFAULT_EXTENSIONS
                            .iter()
                            .any(|d| ext.eq_ignore_ascii_case(d))
                    })
            }
        };
        included && !self.excluded(rel)
    }
}

fn compile(option: &str, globs: &[String], errors: &mut Vec<LoadError>) -> GlobSet {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        match GlobBuilder::new(glob).literal_separator(true).build() {
            Ok(g) => {
                set.add(g);
            }
            Err(e) => errors.push(LoadError::new(
                LoadErrorKind::InvalidGlob,
                option,
                format!("invalid glob `{glob}`: {}", e.kind()),
            )),
        }
    }
    set.build().unwrap_or_else(|e| {
        errors.push(LoadError::new(
            LoadErrorKind::InvalidGlob,
            option,
            e.to_string(),
        ));
        GlobSet::empty()
    })
}

fn walk(
    root: &Path,
    opts: &LoadOptions,
    filter: &Arc<Filter>,
    found: &mut Vec<Input>,
    errors: &mut Vec<LoadError>,
) {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .follow_links(opts.follow_links)
        .hidden(!opts.hidden)
        .require_git(false)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .parents(!opts.no_ignore);
    let (filter, root_owned) = (Arc::clone(filter), root.to_path_buf());
    builder.filter_entry(move |entry| {
        let rel = entry
            .path()
            .strip_prefix(&root_owned)
            .unwrap_or(entry.path());
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            !filter.excluded(rel)
        } else {
            filter.selects_file(rel)
        }
    });
    for result in builder.build() {
        match result {
            Err(err) => walk_error(&err, None, None, errors),
            Ok(entry) => {
                if let Some(err) = entry.error() {
                    walk_error(err, None, None, errors);
                }
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    found.push(Input::Path(entry.into_path()));
                }
            }
        }
    }
}

/// Flattens an `ignore` error into load errors, keeping the innermost path and line.
fn walk_error(
    err: &ignore::Error,
    path: Option<&Path>,
    line: Option<u64>,
    out: &mut Vec<LoadError>,
) {
    let shown = || path.map(display).unwrap_or_default();
    match err {
        ignore::Error::Partial(errs) => {
            for e in errs {
                walk_error(e, path, line, out);
            }
        }
        ignore::Error::WithLineNumber { line, err } => walk_error(err, path, Some(*line), out),
        ignore::Error::WithPath { path, err } => walk_error(err, Some(path), line, out),
        ignore::Error::WithDepth { err, .. } => walk_error(err, path, line, out),
        ignore::Error::Loop { ancestor, child } => out.push(LoadError::new(
            LoadErrorKind::SymlinkLoop,
            display(child),
            format!(
                "symbolic link loop: points back to `{}`; not followed",
                display(ancestor)
            ),
        )),
        ignore::Error::Io(e) => {
            let mut error = match (line, path) {
                (Some(_), _) => LoadError::io(shown(), "cannot read ignore file", e),
                (None, Some(p)) if p.is_dir() => LoadError::io(shown(), "cannot read directory", e),
                (None, Some(p)) if e.kind() == io::ErrorKind::NotFound && is_link(p) => {
                    LoadError::new(LoadErrorKind::Io, shown(), "broken symbolic link")
                }
                (None, _) => LoadError::io(shown(), "cannot read", e),
            };
            error.line_col = line.map(|l| LineCol {
                line: l as u32,
                column: 1,
            });
            out.push(error);
        }
        ignore::Error::Glob { glob, err } => {
            let glob = glob.as_deref().unwrap_or_default();
            let mut error = LoadError::new(
                LoadErrorKind::IgnoreFile,
                shown(),
                format!(
                    "invalid ignore pattern `{glob}`: {}; line ignored",
                    lowercase_first(err)
                ),
            );
            error.line_col = line.map(|l| LineCol {
                line: l as u32,
                column: 1,
            });
            out.push(error);
        }
        other => out.push(LoadError::new(
            LoadErrorKind::IgnoreFile,
            shown(),
            lowercase_first(&other.to_string()),
        )),
    }
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The OS's reason without Rust's ` (os error N)` suffix or a wrapper's context, lowercase.
fn os_reason(err: &io::Error) -> String {
    // Errors converted from walkdir carry the real I/O error as their source.
    let inner = err
        .get_ref()
        .and_then(|e| e.source())
        .and_then(|e| e.downcast_ref::<io::Error>())
        .unwrap_or(err);
    let text = inner.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    };
    lowercase_first(&text)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads one discovered input into a [`SourceFile`] with the given id, with the default
/// (and largest) size limit, [`MAX_INPUT_SIZE`].
pub fn read_source(id: FileId, d: &Discovered) -> Result<SourceFile, LoadError> {
    read_source_limited(id, d, MAX_INPUT_SIZE)
}

/// Reads one discovered input, refusing more than `max_input_size` bytes (at most
/// [`MAX_INPUT_SIZE`]). See *Reading* in the [module docs](self).
pub fn read_source_limited(
    id: FileId,
    d: &Discovered,
    max_input_size: u64,
) -> Result<SourceFile, LoadError> {
    let max = max_input_size.min(MAX_INPUT_SIZE);
    let path = d.display.as_str();
    match &d.input {
        Input::Stdin => {
            read_stream_once(path, || source_from_bytes(id, path, read_stdin(path, max)?))
        }
        Input::Path(file) if is_stream_path(file) => read_stream_once(path, || {
            source_from_bytes(id, path, read_path(file, path, max)?)
        }),
        Input::Path(file) => source_from_bytes(id, path, read_path(file, path, max)?),
    }
    .map(|mut file| {
        file.id = id;
        file
    })
}

/// A stream (stdin, `/dev/fd/N`) can be read only once, but one run may load the same input
/// twice: `faultline diff` reads each side for the connectivity and again for the findings, and
/// `<(helm template …)` is a pipe. What each stream gave (its text, shared, or its error) is
/// kept for the life of the process, by display path, and given again.
fn read_stream_once(
    key: &str,
    read: impl FnOnce() -> Result<SourceFile, LoadError>,
) -> Result<SourceFile, LoadError> {
    type Streams = Mutex<HashMap<String, Result<SourceFile, LoadError>>>;
    static STREAMS: OnceLock<Streams> = OnceLock::new();
    let streams = STREAMS.get_or_init(Streams::default);
    let lock = || streams.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(done) = lock().get(key) {
        return done.clone();
    }
    // Not locked while reading: two streams named in one run are read in parallel.
    let result = read();
    lock().insert(key.to_owned(), result.clone());
    result
}

/// Standard input: its size checked first when it is a regular file (`< file`), then read
/// incrementally against the limit.
fn read_stdin(path: &str, max: u64) -> Result<Vec<u8>, LoadError> {
    #[cfg(unix)]
    {
        use std::io::Seek;
        use std::os::fd::AsFd;
        // A duplicate of descriptor 0 shares its offset: what is left is `len - position`.
        if let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() {
            let mut file = fs::File::from(fd);
            if let Ok(meta) = file.metadata()
                && meta.is_file()
            {
                let at = file.stream_position().unwrap_or(0);
                let left = meta.len().saturating_sub(at);
                if left > max {
                    return Err(too_large(path, Some(left), max));
                }
            }
        }
    }
    read_limited(io::stdin().lock(), path, 0, max)
}

/// A file named on the command line or found by a walk. Its type and size are checked before
/// it is opened: a FIFO, socket or device is refused unless it is a stream path (how shells
/// pass `<(…)`), a regular file over the limit is refused unread.
fn read_path(file: &Path, path: &str, max: u64) -> Result<Vec<u8>, LoadError> {
    let meta = fs::metadata(file).map_err(|e| LoadError::io(path, "cannot read file", &e))?;
    let hint = if meta.is_file() {
        if meta.len() > max {
            return Err(too_large(path, Some(meta.len()), max));
        }
        meta.len()
    } else if meta.is_dir() {
        return Err(LoadError::new(
            LoadErrorKind::Io,
            path,
            "cannot read file: is a directory",
        ));
    } else if is_stream_path(file) {
        0
    } else {
        return Err(LoadError::new(
            LoadErrorKind::NotAFile,
            path,
            not_a_file_message(&meta, path),
        ));
    };
    let reader = fs::File::open(file).map_err(|e| LoadError::io(path, "cannot read file", &e))?;
    read_limited(reader, path, hint, max)
}

/// Whether `path` is how a shell or a caller passes an open stream: `/dev/stdin`,
/// `/dev/fd/N` (bash's `<(…)`) or `/proc/self/fd/N` (zsh's). Read as a stream even when it is
/// a pipe or a terminal.
pub fn is_stream_path(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    let fd = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    text == "/dev/stdin"
        || text.strip_prefix("/dev/fd/").is_some_and(fd)
        || text.strip_prefix("/proc/self/fd/").is_some_and(fd)
}

/// Why a FIFO, socket or device is not read, and what to do instead.
fn not_a_file_message(meta: &fs::Metadata, path: &str) -> String {
    const READS: &str = "faultline reads regular files, directories and `-` (stdin)";
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return format!(
                "is a named pipe (FIFO); {READS}: pipe it in with `cat {path} | faultline check -`"
            );
        }
        let what = if t.is_socket() {
            "a socket"
        } else if t.is_char_device() {
            "a character device"
        } else if t.is_block_device() {
            "a block device"
        } else {
            "not a regular file"
        };
        format!("is {what}; {READS}")
    }
    #[cfg(not(unix))]
    {
        let _ = (meta, path);
        format!("is not a regular file; {READS}")
    }
}

/// Reads at most `max` bytes (`hint`: the expected size, 0 when unknown). The first 8 KiB are
/// checked before the rest is read, so a binary or UTF-16/32 stream stops there; past `max`
/// reading stops and the input is [`LoadErrorKind::TooLarge`].
fn read_limited(
    mut reader: impl Read,
    path: &str,
    hint: u64,
    max: u64,
) -> Result<Vec<u8>, LoadError> {
    let doing = if path == STDIN_PATH {
        "cannot read"
    } else {
        "cannot read file"
    };
    let cannot = |e: io::Error| LoadError::io(path, doing, &e);
    let capacity = if hint > 0 {
        hint.min(max).saturating_add(1)
    } else {
        BINARY_PROBE as u64
    };
    let mut buf = Vec::with_capacity(usize::try_from(capacity).unwrap_or(BINARY_PROBE));
    (&mut reader)
        .take(BINARY_PROBE as u64)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    if buf.len() == BINARY_PROBE {
        check_prefix(path, &buf)?;
        let left = (max + 1).saturating_sub(buf.len() as u64);
        reader.take(left).read_to_end(&mut buf).map_err(cannot)?;
    }
    if buf.len() as u64 > max {
        return Err(too_large(path, None, max));
    }
    Ok(buf)
}

/// [`LoadErrorKind::TooLarge`]: `size` when known (a regular file), else a stream cut at `max`.
fn too_large(path: &str, size: Option<u64>, max: u64) -> LoadError {
    let (mut size_text, mut limit_text) = (size.map(format_size), format_size(max));
    if size_text.as_deref() == Some(limit_text.as_str()) {
        // Rounded alike: exact byte counts, or the message would read "4 GiB, over 4 GiB".
        size_text = size.map(|n| format!("{n} bytes"));
        limit_text = format!("{max}-byte");
    }
    let what = match size_text {
        Some(size) => format!("file is {size}, over the {limit_text} limit (--max-input-size)"),
        None => format!(
            "input is over the {limit_text} limit (--max-input-size); stopped reading there"
        ),
    };
    let advice = if max >= MAX_INPUT_SIZE {
        ", the most faultline can read (offsets are 32-bit); split it"
    } else {
        "; split it, or raise the limit"
    };
    LoadError::new(LoadErrorKind::TooLarge, path, format!("{what}{advice}"))
}

/// A byte count for messages: `512 bytes`, `1.9 MiB`, `4 GiB` (1024-based, one decimal).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" });
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

/// Reads a size as `--max-input-size` takes it: bytes (`1048576`), or a number (decimals
/// allowed) with a Kubernetes binary suffix `Ki`, `Mi`, `Gi`, `Ti` (1024-based) or an SI one
/// `k`/`K`, `M`, `G`, `T` (1000-based), optionally followed by `B`. At least 1 byte and at most
/// [`MAX_INPUT_SIZE`] (`4Gi`, one byte more, is taken as it); `Err` says why not.
pub fn parse_max_input_size(text: &str) -> Result<u64, String> {
    let size = parse_size(text)?;
    if size == 0 {
        return Err(format!(
            "`{text}` is 0 bytes; the limit must be at least 1 byte"
        ));
    }
    // `4Gi` is what people write for "the most": taken as 4 GiB - 1.
    if size == MAX_INPUT_SIZE + 1 {
        return Ok(MAX_INPUT_SIZE);
    }
    if size > MAX_INPUT_SIZE {
        return Err(format!(
            "`{text}` is {size} bytes, over {MAX_INPUT_SIZE} bytes (4 GiB - 1), the most \
             faultline can read: offsets into a file are 32-bit"
        ));
    }
    Ok(size)
}

/// A byte count with an optional suffix (see [`parse_max_input_size`]), rounded down.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let not_a_size = || {
        format!(
            "`{text}` is not a size: write bytes (`1048576`) or a number with a suffix \
             (`500Mi`, `4Gi`, `100M`)"
        )
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let suffix = suffix.trim_start();
    let suffix = suffix
        .strip_suffix('B')
        .filter(|s| !s.is_empty())
        .unwrap_or(suffix);
    let multiplier: u128 = match suffix {
        "" | "B" => 1,
        "k" | "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => return Err(not_a_size()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty()
        || whole.len() > 20
        || fraction.len() > 18
        || fraction.contains('.')
    {
        return Err(not_a_size());
    }
    let digits = |s: &str| -> Result<u128, String> {
        if s.is_empty() {
            Ok(0)
        } else {
            s.parse::<u128>().map_err(|_| not_a_size())
        }
    };
    let scale = 10u128.pow(fraction.len() as u32);
    let bytes = digits(whole)? * multiplier + digits(fraction)? * multiplier / scale;
    u64::try_from(bytes).map_err(|_| format!("`{text}` is too large a size"))
}

/// The checks made on the first 8 KiB of an input: UTF-16/32 byte order marks, then a NUL byte
/// (binary). Pod logs are exempt.
fn check_prefix(path: &str, bytes: &[u8]) -> Result<(), LoadError> {
    if is_log_path(path) {
        return Ok(());
    }
    let encoding = |message: &str| Err(LoadError::new(LoadErrorKind::Encoding, path, message));
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return encoding("file is utf-32 encoded; convert it to utf-8");
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return encoding("file is utf-16 encoded; convert it to utf-8");
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some() {
        return Err(LoadError::new(
            LoadErrorKind::Binary,
            path,
            "binary file skipped",
        ));
    }
    Ok(())
}

/// Checks that `bytes` are text (not binary, UTF-8, at most [`MAX_INPUT_SIZE`]) and makes a
/// [`SourceFile`] of them.
///
/// A pod log ([`is_log_path`]) is always accepted: invalid UTF-8 is replaced, not refused.
pub fn source_from_bytes(id: FileId, path: &str, bytes: Vec<u8>) -> Result<SourceFile, LoadError> {
    if bytes.len() as u64 > MAX_INPUT_SIZE {
        return Err(too_large(path, Some(bytes.len() as u64), MAX_INPUT_SIZE));
    }
    if is_log_path(path) {
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        return Ok(SourceFile::new(id, path, text));
    }
    check_prefix(path, &bytes)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(id, path, text)),
        Err(e) => {
            let bytes = e.as_bytes();
            let utf8 = e.utf8_error();
            let valid = utf8.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let bad_len = utf8.error_len().unwrap_or(bytes.len() - valid);
            let bad: Vec<String> = bytes[valid..valid + bad_len]
                .iter()
                .map(|b| format!("0x{b:02x}"))
                .collect();
            let mut error = LoadError::new(
                LoadErrorKind::Encoding,
                path,
                format!("invalid utf-8 (byte {}); file skipped", bad.join(" ")),
            );
            error.range = Some(TextRange::new(valid as u32, (valid + bad_len) as u32));
            error.line_col = Some(LineIndex::new(prefix).line_col(prefix, valid as u32));
            error.lossy_text = Some(String::from_utf8_lossy(bytes).into_owned());
            Err(error)
        }
    }
}

/// The parser used for a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrontEnd {
    Yaml,
    Json,
}

/// Chooses the front end for a file:
///
/// * `.json` (any case) → JSON; `.yaml`/`.yml` → YAML, whatever the content (YAML reads
///   JSON-shaped text the same way).
/// * stdin and other names → JSON when the first byte after an optional BOM and JSON
///   whitespace is `{`, as `kubectl`'s YAML-or-JSON decoder decides; otherwise YAML. A leading
///   `[` is not enough: `[a, b]` is also a YAML flow sequence, and YAML reads JSON arrays.
pub fn front_end(path: &str, text: &str) -> FrontEnd {
    let ext = Path::new(path).extension().and_then(OsStr::to_str);
    match ext {
        Some(e) if e.eq_ignore_ascii_case("json") => return FrontEnd::Json,
        Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => {
            return FrontEnd::Yaml;
        }
        _ => {}
    }
    let body = text.strip_prefix(UTF8_BOM).unwrap_or(text);
    match body
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .as_bytes()
        .first()
    {
        Some(b'{') => FrontEnd::Json,
        _ => FrontEnd::Yaml,
    }
}

/// Parses a source with the front end [`front_end`] picks. Never fails.
///
/// The text is the file byte for byte; both front ends skip a leading BOM themselves, so offsets
/// stay file offsets. A pod log is not parsed: its result is empty.
pub fn parse_source(file: &SourceFile) -> ParsedText {
    if is_log_path(&file.path) {
        return ParsedText::default();
    }
    match front_end(&file.path, &file.text) {
        FrontEnd::Yaml => crate::yaml::parse_yaml(&file.text),
        FrontEnd::Json => crate::json::parse_json(&file.text),
    }
}

/// Discovers, reads and parses every input, in parallel; results in [`FileId`] order.
///
/// A panic while parsing one file (a parser bug) is caught and reported as
/// [`LoadErrorKind::Internal`] for that file; the others are unaffected.
pub fn load_all(inputs: &[Input], opts: &LoadOptions) -> Loaded {
    let (found, errors) = discover(inputs, opts);
    let results: Vec<Result<(SourceFile, ParsedText), LoadError>> = found
        .par_iter()
        .map(|d| {
            read_source_limited(FileId::default(), d, opts.max_input_size).and_then(parse_guarded)
        })
        .collect();
    collect_loaded(results, errors)
}

/// Like [`load_all`] for sources already in memory, as `(display path, bytes)`: the same
/// checks (binary, encoding) and front-end choice as files read from disk, in the given order.
/// For tests, fuzzing and embedding.
pub fn load_bytes(sources: Vec<(String, Vec<u8>)>) -> Loaded {
    let results: Vec<Result<(SourceFile, ParsedText), LoadError>> = sources
        .into_par_iter()
        .map(|(path, bytes)| {
            source_from_bytes(FileId::default(), &path, bytes).and_then(parse_guarded)
        })
        .collect();
    collect_loaded(results, Vec::new())
}

/// Parses a source, turning a parser panic into [`LoadErrorKind::Internal`].
fn parse_guarded(file: SourceFile) -> Result<(SourceFile, ParsedText), LoadError> {
    match panic::catch_unwind(AssertUnwindSafe(|| parse_source(&file))) {
        Ok(parsed) => Ok((file, parsed)),
        Err(_) => Err(LoadError::new(
            LoadErrorKind::Internal,
            &file.path,
            "internal error: the parser panicked on this file; file skipped",
        )),
    }
}

/// Numbers the sources that were read and keeps the errors of the others.
fn collect_loaded(
    results: Vec<Result<(SourceFile, ParsedText), LoadError>>,
    mut errors: Vec<LoadError>,
) -> Loaded {
    let mut loaded = Loaded::default();
    for result in results {
        match result {
            Ok((mut file, parsed)) => {
                file.id = FileId(loaded.files.len() as u32);
                loaded.files.push(file);
                loaded.parsed.push(parsed);
            }
            Err(e) => errors.push(e),
        }
    }
    loaded.errors = errors;
    loaded
}
