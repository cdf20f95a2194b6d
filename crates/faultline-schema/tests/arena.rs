//! The arena, its builder and the binary form, on hand-built schemas; and the decoder on
//! damaged data (an error, never a panic).

use faultline_schema::codec::{KindRecord, encode};
use faultline_schema::{
    Additional, ArenaBuilder, Builtin, DATA, ListType, Literal, NodeSpec, OwnedLiteral, Type,
    ValueKind,
};

fn string() -> NodeSpec {
    NodeSpec {
        ty: Type::String,
        ..NodeSpec::default()
    }
}

#[test]
fn builder_sorts_properties_and_keeps_the_last_duplicate() {
    let mut b = ArenaBuilder::new();
    let s = b.push(&string());
    let i = b.push(&NodeSpec {
        ty: Type::Integer,
        format: Some("int32".into()),
        ..NodeSpec::default()
    });
    let obj = b.push(&NodeSpec {
        ty: Type::Object,
        properties: vec![
            ("zeta".into(), s),
            ("alpha".into(), s),
            ("Alpha".into(), i),
            ("zeta".into(), i),
        ],
        required: vec!["zeta".into(), "alpha".into()],
        ..NodeSpec::default()
    });
    let arena = b.finish();
    let o = arena.get(obj);
    let names: Vec<&str> = o.properties().map(|(n, _)| n).collect();
    assert_eq!(names, ["Alpha", "alpha", "zeta"]);
    assert_eq!(o.property("zeta").unwrap().ty(), Type::Integer);
    assert_eq!(o.property("Alpha").unwrap().format(), Some("int32"));
    assert!(o.property("ALPHA").is_none());
    assert_eq!(o.required().collect::<Vec<_>>(), ["zeta", "alpha"]);
    assert!(o.is_required("alpha") && !o.is_required("Alpha"));
    // Properties only, no additionalProperties: other keys are unknown fields.
    assert!(!o.allows_unknown_fields());
    assert_eq!(o.field("other"), None);
}

#[test]
fn unknown_fields_follow_additional_properties_and_preserve() {
    let mut b = ArenaBuilder::new();
    let s = b.push(&string());
    let map = b.push(&NodeSpec {
        ty: Type::Object,
        additional_properties: Additional::Schema(s),
        ..NodeSpec::default()
    });
    let denied = b.push(&NodeSpec {
        ty: Type::Object,
        properties: vec![("a".into(), s)],
        additional_properties: Additional::Denied,
        ..NodeSpec::default()
    });
    let any = b.push(&NodeSpec {
        ty: Type::Object,
        additional_properties: Additional::Any,
        ..NodeSpec::default()
    });
    let preserve = b.push(&NodeSpec {
        ty: Type::Object,
        properties: vec![("a".into(), s)],
        preserve_unknown_fields: true,
        ..NodeSpec::default()
    });
    let untyped = b.push(&NodeSpec::default());
    let arena = b.finish();
    assert!(arena.get(map).allows_unknown_fields());
    assert_eq!(arena.get(map).field("x").map(|f| f.id()), Some(s));
    assert!(!arena.get(denied).allows_unknown_fields());
    assert!(arena.get(any).allows_unknown_fields());
    assert_eq!(arena.get(any).field("x"), None);
    assert!(arena.get(preserve).allows_unknown_fields());
    assert!(arena.get(untyped).allows_unknown_fields());
    assert!(arena.get(untyped).accepts(ValueKind::Object));
    assert!(!arena.get(untyped).accepts(ValueKind::Null));
}

#[test]
fn types_accept_values() {
    use ValueKind::*;
    let cases = [
        (
            Type::Integer,
            &[Integer][..],
            &[Number, String, Boolean, Null][..],
        ),
        (Type::Number, &[Integer, Number], &[String, Object]),
        (Type::String, &[String], &[Integer, Boolean, Array]),
        (Type::Boolean, &[Boolean], &[String, Integer]),
        (Type::Object, &[Object], &[Array, String]),
        (Type::Array, &[Array], &[Object, String]),
        (
            Type::IntOrString,
            &[Integer, String],
            &[Number, Boolean, Object],
        ),
        (
            Type::NumberOrString,
            &[Integer, Number, String],
            &[Boolean, Array],
        ),
        (Type::Any, &[Integer, Object, Array, Boolean], &[Null]),
    ];
    for (ty, yes, no) in cases {
        for &v in yes {
            assert!(ty.accepts(v), "{ty} accepts {v:?}");
        }
        for &v in no {
            assert!(!ty.accepts(v), "{ty} rejects {v:?}");
        }
    }
    let mut b = ArenaBuilder::new();
    let nullable = b.push(&NodeSpec {
        ty: Type::String,
        nullable: true,
        ..NodeSpec::default()
    });
    let arena = b.finish();
    assert!(arena.get(nullable).accepts(Null));
    assert!(!arena.get(nullable).accepts(Integer));
}

#[test]
fn recursive_schemas_through_reserve() {
    let mut b = ArenaBuilder::new();
    let tree = b.reserve();
    let children = b.push(&NodeSpec {
        ty: Type::Array,
        items: Some(tree),
        list_type: ListType::Map,
        list_map_keys: vec!["name".into()],
        ..NodeSpec::default()
    });
    let name = b.push(&string());
    b.set(
        tree,
        &NodeSpec {
            ty: Type::Object,
            properties: vec![("name".into(), name), ("children".into(), children)],
            ..NodeSpec::default()
        },
    );
    let arena = b.finish();
    let t = arena.get(tree);
    let again = t.property("children").unwrap().items().unwrap();
    assert_eq!(again, t);
    let list = t.property("children").unwrap();
    assert_eq!(list.list_type(), ListType::Map);
    assert_eq!(list.list_map_keys().collect::<Vec<_>>(), ["name"]);
}

#[test]
#[should_panic(expected = "never set")]
fn finishing_with_a_reserved_id_unset_panics() {
    let mut b = ArenaBuilder::new();
    let _ = b.reserve();
    let _ = b.finish();
}

#[test]
fn literals_round_trip_through_the_binary_form() {
    let mut b = ArenaBuilder::new();
    let values = vec![
        OwnedLiteral::String("TCP".into()),
        OwnedLiteral::Number("1.5".into()),
        OwnedLiteral::Bool(true),
        OwnedLiteral::Bool(false),
        OwnedLiteral::Null,
        OwnedLiteral::Json("[1,2]".into()),
    ];
    let spec = NodeSpec {
        ty: Type::String,
        format: Some("quantity".into()),
        enum_values: Some(values.clone()),
        default: Some(OwnedLiteral::String("TCP".into())),
        nullable: true,
        embedded_resource: true,
        patch_merge_key: Some("name".into()),
        ..NodeSpec::default()
    };
    let id = b.push(&spec);
    let empty_enum = b.push(&NodeSpec {
        enum_values: Some(Vec::new()),
        ..NodeSpec::default()
    });
    b.intern_str("apps");
    b.intern_str("v1");
    b.intern_str("Thing");
    let arena = b.finish();
    assert_eq!(arena.get(id).to_spec(), spec);
    let kinds = [KindRecord {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Thing".into(),
        served: 1 << 24 | 1 << 25,
        schemas: vec![(24, id), (26, empty_enum)],
    }];
    let bytes = encode(&arena, &kinds);
    let decoded = Builtin::decode(&bytes).expect("decodes");
    let node = decoded.arena().get(id);
    assert_eq!(node.to_spec(), spec);
    assert_eq!(
        node.enum_values().unwrap().collect::<Vec<_>>(),
        [
            Literal::String("TCP"),
            Literal::Number("1.5"),
            Literal::Bool(true),
            Literal::Bool(false),
            Literal::Null,
            Literal::Json("[1,2]"),
        ]
    );
    let shown: Vec<String> = node.enum_values().unwrap().map(|l| l.to_string()).collect();
    assert_eq!(shown, ["\"TCP\"", "1.5", "true", "false", "null", "[1,2]"]);
    // An empty enum is an enum (nothing allowed), not the absence of one.
    assert_eq!(
        decoded
            .arena()
            .get(empty_enum)
            .enum_values()
            .map(|e| e.len()),
        Some(0)
    );
    let thing = decoded.kind("apps", "v1", "Thing").unwrap();
    assert_eq!(thing.served_in().iter().collect::<Vec<_>>(), [24, 25]);
    assert_eq!(thing.defined_in().iter().collect::<Vec<_>>(), [24, 26]);
    assert_eq!(thing.schema(24).map(|s| s.id()), Some(id));
    assert_eq!(thing.schema(25), None);
    assert_eq!(thing.schema(26).map(|s| s.id()), Some(empty_enum));
    assert_eq!(decoded.lookup(25, "apps", "v1", "Thing"), None);
    assert!(decoded.served(25, "apps", "v1", "Thing"));
    assert!(!decoded.served(26, "apps", "v1", "Thing"));
    // Encoding is deterministic and decoding loses nothing.
    assert_eq!(encode(decoded.arena(), &kinds), bytes);
}

#[test]
fn the_embedded_data_re_encodes_to_itself() {
    let b = Builtin::decode(DATA).expect("decodes");
    let kinds: Vec<KindRecord> = b
        .kinds()
        .map(|k| KindRecord {
            group: k.group().into(),
            version: k.version().into(),
            kind: k.kind().into(),
            served: k.served_in().0,
            schemas: k
                .defined_in()
                .iter()
                .map(|m| (m, k.schema(m).unwrap().id()))
                .collect(),
        })
        .collect();
    assert_eq!(encode(b.arena(), &kinds), DATA);
}

#[test]
fn damaged_data_is_an_error_not_a_panic() {
    assert!(Builtin::decode(b"").is_err());
    assert!(Builtin::decode(b"FLSCHEMA").is_err());
    assert!(Builtin::decode(b"FLSCHEMA\x02\x00\x00\x00").is_err());
    // Every prefix: spread over the whole file (each decode is a few ms in debug builds).
    let step = DATA.len() / 200 + 1;
    for len in (0..DATA.len()).step_by(step) {
        assert!(
            Builtin::decode(&DATA[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
    assert!(Builtin::decode(&[DATA, b"\0"].concat()).is_err());
    // Bytes changed here and there decode to an error or to some other valid data, never panic.
    let mut damaged = DATA.to_vec();
    for pos in (8..DATA.len()).step_by(step) {
        let saved = damaged[pos];
        for value in [0x00, 0x7f, 0x80, 0xff] {
            damaged[pos] = value;
            let _ = Builtin::decode(&damaged);
        }
        damaged[pos] = saved;
    }
}
