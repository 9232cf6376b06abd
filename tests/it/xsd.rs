//! A test-side XML Schema (XSD 1.0) checker, for the constructs the stored
//! `docs/schemas/external/junit-10.xsd` uses and no more: global and local element
//! declarations (by `type`, `ref` or an anonymous complex type), named and anonymous
//! complex types (`mixed`), `xs:sequence` and `xs:choice` with `minOccurs`/`maxOccurs`,
//! attributes (`use="required"`), simple types restricting `xs:string` by `xs:pattern` or
//! `xs:enumeration`, and the built-in types `xs:string`, `xs:int`, `xs:decimal`,
//! `xs:boolean` and `xs:dateTime`. Loading a schema that uses anything else (another
//! element of the XSD vocabulary, an attribute of one it does not read, a namespace, a
//! built-in type it does not know, a pattern construct XSD and Rust's regex read apart)
//! panics, so a schema it cannot judge is never passed silently.
//!
//! The document is read with quick-xml (well-formedness, the predefined entities and
//! character references, XML 1.0's allowed characters), then checked: the root is a global
//! element; each element's attributes are declared, the required ones present, each value
//! of its type; its child elements match the content model (backtracking over the
//! particles, so any order and count the model allows, and no other); text only where the
//! type is mixed or simple.

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use std::collections::{BTreeSet, HashMap};

const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// An element of a parsed document: name, attributes (values unescaped and normalised),
/// child elements and its own character data (concatenated).
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    pub text: String,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Every descendant element of this name, in document order.
    pub fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.all(name, out);
        }
    }
}

/// XML 1.0's `Char` production (§2.2).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Reads a well-formed XML 1.0 document (no DTD) into its root element.
pub fn parse(xml: &str) -> Result<Node, String> {
    if let Some(c) = xml.chars().find(|&c| !xml_char(c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML 1.0",
            c as u32
        ));
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("not well-formed at byte {}: {e}", reader.buffer_position()))?;
        let text = match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err("content after the root element".into());
                }
                let name = e.name().as_ref().to_string();
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| format!("attribute of <{name}>: {e}"))?;
                    let key = a.key.as_ref().to_string();
                    let value = a
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| format!("attribute {key} of <{name}>: {e}"))?;
                    if let Some(c) = value.chars().find(|&c| !xml_char(c)) {
                        return Err(format!(
                            "attribute {key}: U+{:04X} is not allowed",
                            c as u32
                        ));
                    }
                    attrs.push((key, value.into_owned()));
                }
                let node = Node {
                    name,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                };
                if matches!(ev, Event::Start(_)) {
                    stack.push(node);
                } else {
                    close(&mut stack, &mut root, node);
                }
                continue;
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("end tag without start")?;
                close(&mut stack, &mut root, node);
                continue;
            }
            Event::Text(t) => t.xml10_content().into_owned(),
            Event::CData(t) => t.into_inner().into_owned(),
            Event::GeneralRef(r) => match r.resolve_char_ref().map_err(|e| e.to_string())? {
                Some(c) if xml_char(c) => c.to_string(),
                Some(c) => return Err(format!("&#{};: not an XML 1.0 character", c as u32)),
                None => match &*r {
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "amp" => "&".into(),
                    "apos" => "'".into(),
                    "quot" => "\"".into(),
                    other => return Err(format!("undeclared entity &{other};")),
                },
            },
            Event::Decl(d) => {
                let v = d.version().map_err(|e| e.to_string())?;
                if &*v != "1.0" {
                    return Err("XML declaration: version is not 1.0".into());
                }
                continue;
            }
            Event::Comment(_) => continue,
            Event::PI(_) => return Err("processing instruction".into()),
            Event::DocType(_) => return Err("a DOCTYPE (DTDs are not read)".into()),
            Event::Eof => break,
        };
        match stack.last_mut() {
            Some(n) => n.text.push_str(&text),
            None if text.trim().is_empty() => {}
            None => return Err(format!("text outside the root element: {text:?}")),
        }
    }
    if !stack.is_empty() {
        return Err(format!("<{}> is not closed", stack.last().unwrap().name));
    }
    root.ok_or_else(|| "no root element".to_string())
}

fn close(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

/// A built-in simple type of XSD.
#[derive(Debug, Clone, Copy)]
enum Builtin {
    String,
    Int,
    Decimal,
    Boolean,
    DateTime,
}

#[derive(Debug, Clone)]
enum TypeRef {
    Builtin(Builtin),
    /// A named simple or complex type of the schema.
    Named(String),
    Anonymous(Box<Complex>),
}

#[derive(Debug, Clone)]
struct Simple {
    patterns: Vec<regex::Regex>,
    enumeration: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct Complex {
    mixed: bool,
    content: Option<Particle>,
    attrs: Vec<AttrDecl>,
}

#[derive(Debug, Clone)]
struct AttrDecl {
    name: String,
    ty: TypeRef,
    required: bool,
}

#[derive(Debug, Clone)]
struct Particle {
    term: Term,
    min: usize,
    /// `None`: unbounded.
    max: Option<usize>,
}

#[derive(Debug, Clone)]
enum Term {
    /// An element: its name and type (a reference resolved to the global declaration's).
    Element(String, ElementType),
    Sequence(Vec<Particle>),
    Choice(Vec<Particle>),
}

#[derive(Debug, Clone)]
enum ElementType {
    Ref(String),
    Local(TypeRef),
}

/// A loaded schema: global elements, named simple and complex types.
pub struct Schema {
    elements: HashMap<String, TypeRef>,
    simple: HashMap<String, Simple>,
    complex: HashMap<String, Complex>,
}

/// The XSD element's attributes, refusing any not in `known`.
fn xs_attrs<'a>(n: &'a Node, known: &[&str]) -> HashMap<&'a str, &'a str> {
    for (k, _) in &n.attrs {
        assert!(
            known.contains(&k.as_str()),
            "xsd: attribute {k} of <{}> is not understood",
            n.name
        );
    }
    n.attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The local name of an element of the XSD vocabulary (`xs:` only).
fn xs_name(n: &Node) -> &str {
    n.name
        .strip_prefix("xs:")
        .unwrap_or_else(|| panic!("xsd: <{}> is not in the xs: namespace", n.name))
}

/// The XSD element's child elements, but annotations (documentation only).
fn xs_children(n: &Node) -> impl Iterator<Item = &Node> {
    assert!(
        n.text.trim().is_empty(),
        "xsd: text inside <{}>: {:?}",
        n.name,
        n.text
    );
    n.children.iter().filter(|c| xs_name(c) != "annotation")
}

fn occurs(v: Option<&&str>, default: usize) -> Option<usize> {
    match v {
        None => Some(default),
        Some(&"unbounded") => None,
        Some(s) => Some(
            s.parse()
                .unwrap_or_else(|_| panic!("xsd: occurrence {s:?} is not understood")),
        ),
    }
}

fn type_ref(name: &str) -> TypeRef {
    match name.split_once(':') {
        Some(("xs", local)) => TypeRef::Builtin(match local {
            "string" => Builtin::String,
            "int" => Builtin::Int,
            "decimal" => Builtin::Decimal,
            "boolean" => Builtin::Boolean,
            "dateTime" => Builtin::DateTime,
            other => panic!("xsd: built-in type xs:{other} is not understood"),
        }),
        Some((prefix, _)) => {
            panic!("xsd: type {name:?} in namespace prefix {prefix} is not understood")
        }
        None => TypeRef::Named(name.to_string()),
    }
}

/// An XSD regular expression as an anchored Rust one; a construct the two read apart
/// (multi-character escapes `\i \c`, block escapes, class subtraction, `^`/`$`, which XSD
/// takes as plain characters) panics.
fn xsd_regex(p: &str) -> regex::Regex {
    for bad in ["\\i", "\\I", "\\c", "\\C", "\\p{Is", "\\P{Is", "-[", "$"] {
        assert!(
            !p.contains(bad),
            "xsd: pattern {p:?}: {bad} is not understood"
        );
    }
    assert!(
        !p.replace("[^", "").contains('^'),
        "xsd: pattern {p:?}: ^ is not understood"
    );
    regex::Regex::new(&format!("^(?:{p})$"))
        .unwrap_or_else(|e| panic!("xsd: pattern {p:?} is not understood: {e}"))
}

fn simple_type(n: &Node) -> Simple {
    xs_attrs(n, &["name"]);
    let kids: Vec<&Node> = xs_children(n).collect();
    assert!(
        kids.len() == 1 && xs_name(kids[0]) == "restriction",
        "xsd: a simpleType other than one xs:restriction is not understood"
    );
    let r = kids[0];
    let a = xs_attrs(r, &["base"]);
    assert_eq!(
        a.get("base"),
        Some(&"xs:string"),
        "xsd: a restriction of another base than xs:string is not understood"
    );
    let mut s = Simple {
        patterns: Vec::new(),
        enumeration: None,
    };
    for f in xs_children(r) {
        let v = xs_attrs(f, &["value"])["value"];
        match xs_name(f) {
            "pattern" => s.patterns.push(xsd_regex(v)),
            "enumeration" => s
                .enumeration
                .get_or_insert_with(Vec::new)
                .push(v.to_string()),
            other => panic!("xsd: facet xs:{other} is not understood"),
        }
    }
    s
}

fn complex_type(n: &Node, named: bool) -> Complex {
    let a = xs_attrs(
        n,
        if named {
            &["name", "mixed"]
        } else {
            &["mixed"]
        },
    );
    let mixed = match a.get("mixed") {
        None | Some(&"false") => false,
        Some(&"true") => true,
        Some(v) => panic!("xsd: mixed={v:?} is not understood"),
    };
    let mut c = Complex {
        mixed,
        content: None,
        attrs: Vec::new(),
    };
    for k in xs_children(n) {
        match xs_name(k) {
            "sequence" | "choice" => {
                assert!(
                    c.content.is_none() && c.attrs.is_empty(),
                    "xsd: a content model after another or after attributes"
                );
                c.content = Some(particle(k));
            }
            "attribute" => {
                let a = xs_attrs(k, &["name", "type", "use"]);
                assert!(
                    xs_children(k).next().is_none(),
                    "xsd: an attribute's inline type is not understood"
                );
                let name = a.get("name").expect("xsd: attribute without a name");
                let required = match a.get("use") {
                    None | Some(&"optional") => false,
                    Some(&"required") => true,
                    Some(v) => panic!("xsd: use={v:?} is not understood"),
                };
                c.attrs.push(AttrDecl {
                    name: name.to_string(),
                    ty: type_ref(a.get("type").expect("xsd: attribute without a type")),
                    required,
                });
            }
            other => panic!("xsd: xs:{other} in a complexType is not understood"),
        }
    }
    c
}

fn particle(n: &Node) -> Particle {
    let kind = xs_name(n);
    let a = xs_attrs(
        n,
        if kind == "element" {
            &["name", "type", "ref", "minOccurs", "maxOccurs"]
        } else {
            &["minOccurs", "maxOccurs"]
        },
    );
    let (min, max) = (
        occurs(a.get("minOccurs"), 1).expect("xsd: minOccurs unbounded"),
        occurs(a.get("maxOccurs"), 1),
    );
    let term = match kind {
        "element" => {
            let (name, ty) = element(n, &a);
            Term::Element(name, ty)
        }
        "sequence" => Term::Sequence(xs_children(n).map(particle).collect()),
        "choice" => Term::Choice(xs_children(n).map(particle).collect()),
        other => panic!("xsd: xs:{other} as a particle is not understood"),
    };
    Particle { term, min, max }
}

/// An element declaration's name and type: `ref`, `type` or one anonymous complexType.
fn element(n: &Node, a: &HashMap<&str, &str>) -> (String, ElementType) {
    let kids: Vec<&Node> = xs_children(n).collect();
    if let Some(r) = a.get("ref") {
        assert!(
            kids.is_empty() && !a.contains_key("name") && !a.contains_key("type"),
            "xsd: a ref with a name, a type or content"
        );
        return (r.to_string(), ElementType::Ref(r.to_string()));
    }
    let name = a
        .get("name")
        .expect("xsd: element without name or ref")
        .to_string();
    let ty = match (a.get("type"), kids.as_slice()) {
        (Some(t), []) => type_ref(t),
        (None, [k]) if xs_name(k) == "complexType" => {
            TypeRef::Anonymous(Box::new(complex_type(k, false)))
        }
        _ => panic!(
            "xsd: element {name}: a type other than one `type` or one anonymous complexType (xs:anyType) is not understood"
        ),
    };
    (name, ElementType::Local(ty))
}

impl Schema {
    pub fn load(xsd: &str) -> Schema {
        let root = parse(xsd).unwrap_or_else(|e| panic!("xsd: {e}"));
        assert_eq!(root.name, "xs:schema", "xsd: root is not xs:schema");
        let a = xs_attrs(&root, &["xmlns:xs"]);
        assert_eq!(
            a.get("xmlns:xs"),
            Some(&XS_NS),
            "xsd: xs: is not bound to XML Schema"
        );
        let mut s = Schema {
            elements: HashMap::new(),
            simple: HashMap::new(),
            complex: HashMap::new(),
        };
        for k in xs_children(&root) {
            match xs_name(k) {
                "simpleType" => {
                    let name = xs_attrs(k, &["name"])["name"].to_string();
                    s.simple.insert(name, simple_type(k));
                }
                "complexType" => {
                    let name = xs_attrs(k, &["name", "mixed"])["name"].to_string();
                    s.complex.insert(name, complex_type(k, true));
                }
                "element" => {
                    let a = xs_attrs(k, &["name", "type"]);
                    let (name, ty) = element(k, &a);
                    let ElementType::Local(ty) = ty else {
                        unreachable!()
                    };
                    s.elements.insert(name, ty);
                }
                other => panic!("xsd: top-level xs:{other} is not understood"),
            }
        }
        s.resolve_all();
        s
    }

    /// Every named type and element reference resolves (checked once, at load).
    fn resolve_all(&self) {
        let check_ty = |t: &TypeRef| {
            if let TypeRef::Named(n) = t {
                assert!(
                    self.simple.contains_key(n) || self.complex.contains_key(n),
                    "xsd: type {n} is not declared"
                );
            }
        };
        fn walk(s: &Schema, p: &Particle, check: &dyn Fn(&TypeRef)) {
            match &p.term {
                Term::Element(_, ElementType::Ref(r)) => {
                    assert!(
                        s.elements.contains_key(r),
                        "xsd: element {r} is not declared"
                    )
                }
                Term::Element(_, ElementType::Local(t)) => check(t),
                Term::Sequence(ps) | Term::Choice(ps) => ps.iter().for_each(|p| walk(s, p, check)),
            }
        }
        let complexes = self
            .complex
            .values()
            .cloned()
            .chain(self.elements.values().filter_map(|t| match t {
                TypeRef::Anonymous(c) => Some((**c).clone()),
                _ => None,
            }));
        for c in complexes {
            c.attrs.iter().for_each(|a| check_ty(&a.ty));
            if let Some(p) = &c.content {
                walk(self, p, &check_ty);
            }
        }
        self.elements.values().for_each(check_ty);
    }

    /// Checks a document; every error found, with the element path.
    pub fn validate(&self, xml: &str) -> Result<Node, Vec<String>> {
        let root = parse(xml).map_err(|e| vec![e])?;
        let mut errs = Vec::new();
        match self.elements.get(&root.name) {
            Some(t) => self.element(&root, t, &format!("/{}", root.name), &mut errs),
            None => errs.push(format!("root <{}> is not a global element", root.name)),
        }
        if errs.is_empty() { Ok(root) } else { Err(errs) }
    }

    fn element(&self, n: &Node, t: &TypeRef, path: &str, errs: &mut Vec<String>) {
        let complex = match t {
            TypeRef::Anonymous(c) => c,
            TypeRef::Named(name) if self.complex.contains_key(name) => &self.complex[name],
            simple => {
                if let Some((k, _)) = n.attrs.first() {
                    errs.push(format!(
                        "{path}: attribute {k} on an element of simple type"
                    ));
                }
                if !n.children.is_empty() {
                    errs.push(format!(
                        "{path}: child elements in an element of simple type"
                    ));
                }
                if let Err(e) = self.value(simple, &n.text) {
                    errs.push(format!("{path}: {e}"));
                }
                return;
            }
        };
        for (k, v) in &n.attrs {
            match complex.attrs.iter().find(|a| &a.name == k) {
                None => errs.push(format!("{path}: attribute {k} is not declared")),
                Some(a) => {
                    if let Err(e) = self.value(&a.ty, v) {
                        errs.push(format!("{path}/@{k}: {e}"));
                    }
                }
            }
        }
        for a in complex.attrs.iter().filter(|a| a.required) {
            if n.attr(&a.name).is_none() {
                errs.push(format!("{path}: required attribute {} is missing", a.name));
            }
        }
        if !complex.mixed && !n.text.trim().is_empty() {
            errs.push(format!(
                "{path}: text in element-only content: {:?}",
                n.text
            ));
        }
        let names: Vec<&str> = n.children.iter().map(|c| c.name.as_str()).collect();
        let fits = match &complex.content {
            None => names.is_empty(),
            Some(p) => ends(p, &names, 0).contains(&names.len()),
        };
        if !fits {
            errs.push(format!(
                "{path}: children {names:?} do not match the content model"
            ));
            return;
        }
        for (i, c) in n.children.iter().enumerate() {
            let decl = complex
                .content
                .as_ref()
                .and_then(|p| declared(p, &c.name))
                .expect("a matched child is declared");
            let ty = match decl {
                ElementType::Ref(r) => &self.elements[r],
                ElementType::Local(t) => t,
            };
            self.element(c, ty, &format!("{path}/{}[{i}]", c.name), errs);
        }
    }

    /// Checks a value against a simple type.
    fn value(&self, t: &TypeRef, v: &str) -> Result<(), String> {
        let ok = match t {
            TypeRef::Builtin(b) => builtin(*b, v),
            TypeRef::Named(name) => {
                let s = self
                    .simple
                    .get(name)
                    .ok_or_else(|| format!("{name} is not a simple type"))?;
                s.patterns.iter().all(|p| p.is_match(v))
                    && s.enumeration
                        .as_ref()
                        .is_none_or(|e| e.iter().any(|x| x == v))
            }
            TypeRef::Anonymous(_) => return Err("a complex type where a value goes".into()),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{v:?} is not a valid {t:?}"))
        }
    }
}

fn builtin(b: Builtin, v: &str) -> bool {
    let v2 = v.trim_matches([' ', '\t', '\n', '\r']);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match b {
        Builtin::String => true,
        Builtin::Int => v2.parse::<i32>().is_ok() && !v2.starts_with("+-"),
        Builtin::Decimal => {
            let s = v2.strip_prefix(['+', '-']).unwrap_or(v2);
            match s.split_once('.') {
                Some((a, b)) => (digits(a) || a.is_empty()) && (digits(b) || b.is_empty()) && !(a.is_empty() && b.is_empty()),
                None => digits(s),
            }
        }
        Builtin::Boolean => matches!(v2, "true" | "false" | "1" | "0"),
        Builtin::DateTime => regex::Regex::new(
            r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?$",
        )
        .unwrap()
        .is_match(v2),
    }
}

/// The declaration of the child element `name` within a content model.
fn declared<'a>(p: &'a Particle, name: &str) -> Option<&'a ElementType> {
    match &p.term {
        Term::Element(n, t) => (n == name).then_some(t),
        Term::Sequence(ps) | Term::Choice(ps) => ps.iter().find_map(|p| declared(p, name)),
    }
}

/// The positions in `names` where a match of the particle starting at `at` can end.
fn ends(p: &Particle, names: &[&str], at: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    if p.min == 0 {
        out.insert(at);
    }
    let mut frontier = BTreeSet::from([at]);
    let mut seen = BTreeSet::from([at]);
    let mut count = 0;
    while !frontier.is_empty() && p.max.is_none_or(|m| count < m) {
        count += 1;
        let next: BTreeSet<usize> = frontier
            .iter()
            .flat_map(|&i| once(&p.term, names, i))
            .collect();
        if count >= p.min {
            out.extend(&next);
        }
        // Past minOccurs, a repetition that reaches no new position adds nothing.
        frontier = if count >= p.min {
            next.difference(&seen).copied().collect()
        } else {
            next.clone()
        };
        seen.extend(next);
        if count > p.min + names.len() + 1 {
            break;
        }
    }
    out
}

/// The positions where one occurrence of the term starting at `at` can end.
fn once(t: &Term, names: &[&str], at: usize) -> BTreeSet<usize> {
    match t {
        Term::Element(n, _) => {
            if names.get(at) == Some(&n.as_str()) {
                BTreeSet::from([at + 1])
            } else {
                BTreeSet::new()
            }
        }
        Term::Choice(ps) => ps.iter().flat_map(|p| ends(p, names, at)).collect(),
        Term::Sequence(ps) => ps.iter().fold(BTreeSet::from([at]), |acc, p| {
            acc.iter().flat_map(|&i| ends(p, names, i)).collect()
        }),
    }
}
