//! Reads a SOAP body with quick-xml's streaming reader into a flat list of
//! leaves (`path → text`), for requests (the simulator) and responses (the client).
//!
//! Reading stops when the operation element closes, so an envelope that is
//! closed with another prefix (`soap:` … `soapenv:`) is still read. No DTD is
//! accepted and no entity other than XML's five and character references is
//! expanded, so entity tricks fail with an error instead of growing.

use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest element nesting accepted below the operation element.
const MAX_DEPTH: usize = 64;

/// A malformed SOAP document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed SOAP at byte {position}: {what}")]
pub struct XmlError {
    /// Byte offset in the document.
    pub position: u64,
    /// What is wrong.
    pub what: String,
}

/// The leaves below one element, in document order of their closing tags.
/// A container's own entry (empty text) follows its children, which is what
/// [`Fields::groups`] uses to split repeated elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    leaves: Vec<(String, String)>,
}

impl Fields {
    /// The text of the first element at `path` (`return/resultCode`).
    pub fn get(&self, path: &str) -> Option<&str> {
        self.leaves.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_str())
    }

    /// Trimmed text, `None` when absent or blank.
    pub fn text(&self, path: &str) -> Option<String> {
        self.get(path).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
    }

    /// Whether a field is present at `path`.
    pub fn has(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// One `Fields` per occurrence of the element at `path`, with paths relative to it.
    pub fn groups(&self, path: &str) -> Vec<Fields> {
        let prefix = format!("{path}/");
        let mut out = Vec::new();
        let mut current = Fields::default();
        for (p, t) in &self.leaves {
            if let Some(rel) = p.strip_prefix(&prefix) {
                current.leaves.push((rel.to_string(), t.clone()));
            } else if p == path {
                out.push(std::mem::take(&mut current));
            }
        }
        out
    }

    /// The first occurrence of the element at `path`, with paths relative to it.
    pub fn sub(&self, path: &str) -> Option<Fields> {
        self.groups(path).into_iter().next()
    }

    /// A `parameters` map: `parameters/parameter/entry/{key,value}`.
    pub fn parameters(&self, path: &str) -> Vec<(String, String)> {
        self.groups(&format!("{path}/parameter/entry"))
            .into_iter()
            .map(|e| (e.text("key").unwrap_or_default(), e.get("value").unwrap_or("").trim().to_string()))
            .collect()
    }
}

/// What a SOAP body holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// An operation or a response element (`markTransactionPeriodResponse`), local name only.
    Element {
        /// The element's local name.
        name: String,
        /// Its leaf fields by path.
        fields: Fields,
    },
    /// A SOAP fault.
    Fault {
        /// `faultcode` (`soap:Client`, `soap:Server`).
        code: String,
        /// `faultstring`.
        message: String,
    },
}

/// Resolves `&name;` for XML's predefined entities and character references.
pub(crate) fn resolve_reference(r: &quick_xml::events::BytesRef<'_>, position: u64) -> Result<char, XmlError> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(c);
    }
    let name = r.decode().map_err(|e| XmlError { position, what: e.to_string() })?;
    quick_xml::escape::resolve_predefined_entity(&name).and_then(|s| s.chars().next()).ok_or_else(|| XmlError {
        position,
        what: format!("unknown entity &{name}; (only XML's predefined entities are accepted)"),
    })
}

/// Reads the first element inside `Body` and everything below it.
pub fn read_body(xml: &str) -> Result<Body, XmlError> {
    read_body_skipping(xml, &[])
}

/// [`read_body`], but the text of elements named in `bulky` is not copied
/// (their leaves are present and empty): a report's `content` and
/// `contentString` are hundreds of megabytes, read from the body in place.
pub fn read_body_skipping(xml: &str, bulky: &[&str]) -> Result<Body, XmlError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let err = |reader: &Reader<&[u8]>, what: String| XmlError { position: reader.buffer_position(), what };
    enter_body(&mut reader).map_err(|what| err(&reader, what))?;
    let mut tree = Tree::default();
    loop {
        let event = reader.read_event().map_err(|e| {
            let at_end = reader.buffer_position() as usize >= xml.len();
            err(&reader, if at_end { format!("the document is truncated: {e}") } else { e.to_string() })
        })?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                tree.open(name).map_err(|w| err(&reader, w))?;
            }
            Event::Empty(e) => {
                if let Some(body) = tree.empty(String::from_utf8_lossy(e.local_name().as_ref()).into_owned()) {
                    return Ok(body);
                }
            }
            _ if tree.names.last().is_some_and(|n| bulky.contains(&n.as_str()))
                && matches!(event, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => {}
            Event::Text(t) => tree.text(&t.decode().map_err(|e| err(&reader, e.to_string()))?),
            Event::CData(t) => tree.text(&t.decode().map_err(|e| err(&reader, e.to_string()))?),
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r, reader.buffer_position())?;
                tree.text(c.encode_utf8(&mut [0; 4]));
            }
            Event::End(_) => {
                if let Some(body) = tree.close().map_err(|w| err(&reader, w))? {
                    return Ok(body);
                }
            }
            Event::DocType(_) => return Err(err(&reader, "a DOCTYPE is not allowed in SOAP".into())),
            Event::Eof => return Err(err(&reader, tree.truncated())),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
}

/// Reads up to the opening of `<Body>`.
fn enter_body(reader: &mut Reader<&[u8]>) -> Result<(), String> {
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"Body" => return Ok(()),
            Ok(Event::Empty(e)) if e.local_name().as_ref() == b"Body" => return Err("the SOAP Body is empty".into()),
            Ok(Event::DocType(_)) => return Err("a DOCTYPE is not allowed in SOAP".into()),
            Ok(Event::Eof) => return Err("no SOAP Body element".into()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// The elements inside `<Body>` read so far: the path of local names from
/// the operation element down, and the text of each open element.
#[derive(Default)]
struct Tree {
    names: Vec<String>,
    texts: Vec<String>,
    had_child: Vec<bool>,
    root: String,
    fields: Fields,
}

impl Tree {
    fn open(&mut self, name: String) -> Result<(), String> {
        if self.names.is_empty() && self.root.is_empty() {
            self.root = name;
            self.names.push(String::new());
        } else {
            if self.names.len() > MAX_DEPTH {
                return Err(format!("elements nested deeper than {MAX_DEPTH}"));
            }
            self.names.push(name);
        }
        if let Some(h) = self.had_child.last_mut() {
            *h = true;
        }
        self.texts.push(String::new());
        self.had_child.push(false);
        Ok(())
    }

    /// An empty element: the whole body when it is the operation element.
    fn empty(&mut self, name: String) -> Option<Body> {
        if self.names.is_empty() {
            return Some(Body::Element { name, fields: std::mem::take(&mut self.fields) });
        }
        if let Some(h) = self.had_child.last_mut() {
            *h = true;
        }
        self.fields.leaves.push((join(&self.names[1..], &name), String::new()));
        None
    }

    fn text(&mut self, text: &str) {
        if let Some(buf) = self.texts.last_mut() {
            buf.push_str(text);
        }
    }

    /// An element closes: the whole body when it is the operation element.
    fn close(&mut self) -> Result<Option<Body>, String> {
        let Some(name) = self.names.pop() else {
            return Err("the SOAP Body closed before any operation element".into());
        };
        let text = self.texts.pop().unwrap_or_default();
        let container = self.had_child.pop().unwrap_or(false);
        if self.names.is_empty() {
            return Ok(Some(finish(std::mem::take(&mut self.root), std::mem::take(&mut self.fields))));
        }
        let path = join(&self.names[1..], &name);
        self.fields.leaves.push((path, if container { String::new() } else { text }));
        Ok(None)
    }

    /// What the document lacks when it ends early.
    fn truncated(&self) -> String {
        match self.names.last() {
            Some(n) if !n.is_empty() => format!("the document ends inside <{n}>: truncated"),
            Some(_) => format!("the document ends inside <{}>: truncated", self.root),
            None => "the SOAP Body holds no element".into(),
        }
    }
}

fn finish(root: String, fields: Fields) -> Body {
    if root == "Fault" {
        Body::Fault {
            code: fields.text("faultcode").unwrap_or_default(),
            message: fields.text("faultstring").unwrap_or_default(),
        }
    } else {
        Body::Element { name: root, fields }
    }
}

fn join(parents: &[String], name: &str) -> String {
    let mut p = String::new();
    for n in parents {
        p.push_str(n);
        p.push('/');
    }
    p.push_str(name);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(xml: &str) -> (String, Fields) {
        match read_body(xml).unwrap() {
            Body::Element { name, fields } => (name, fields),
            f => panic!("unexpected {f:?}"),
        }
    }

    #[test]
    fn envelope_closed_with_another_prefix_is_read_up_to_the_return() {
        let xml = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
            <ns2:markTransactionPeriodResponse xmlns:ns2="http://external.interfaces.ers.seamless.com/">
            <return><resultCode>0</resultCode><resultDescription>SUCCESS</resultDescription>
            <transactionPeriodId>2026112121003312301000044</transactionPeriodId></return>
            </ns2:markTransactionPeriodResponse></soap:Body></soapenv:Envelope>"#;
        let (name, f) = fields(xml);
        assert_eq!(name, "markTransactionPeriodResponse");
        assert_eq!(f.text("return/resultCode").as_deref(), Some("0"));
        assert_eq!(f.text("return/transactionPeriodId").as_deref(), Some("2026112121003312301000044"));
    }

    #[test]
    fn escaped_text_and_character_references_are_decoded() {
        let xml = "<E><Body><op><cashierId>O&apos;Brien &amp; &lt;Sons&gt; &#x263A;</cashierId></op></Body></E>";
        let (_, f) = fields(xml);
        assert_eq!(f.get("cashierId"), Some("O'Brien & <Sons> \u{263A}"));
    }

    #[test]
    fn repeated_elements_split_into_groups() {
        let xml = "<E><Body><op><parameters><parameter>\
            <entry><key>TERMINALID</key><value>t1</value></entry>\
            <entry><key>transactionPeriodId</key><value>p1</value></entry>\
            </parameter></parameters></op></Body></E>";
        let (_, f) = fields(xml);
        assert_eq!(
            f.parameters("parameters"),
            vec![("TERMINALID".into(), "t1".into()), ("transactionPeriodId".into(), "p1".into())]
        );
    }

    #[test]
    fn fault_gives_code_and_string() {
        let xml = "<s:Envelope><s:Body><s:Fault><faultcode>s:Server</faultcode>\
            <faultstring>backend exploded</faultstring></s:Fault></s:Body></s:Envelope>";
        assert_eq!(
            read_body(xml).unwrap(),
            Body::Fault { code: "s:Server".into(), message: "backend exploded".into() }
        );
    }

    #[test]
    fn truncated_body_is_an_error_naming_the_open_element() {
        let xml = "<E><Body><opResponse><return><resultCode>0</resultCode><transactionPer";
        let e = read_body(xml).unwrap_err();
        assert!(e.what.contains("truncated") || e.what.contains("ends"), "{e}");
    }

    #[test]
    fn doctype_and_unknown_entities_are_refused() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <E><Body><op><a>&xxe;</a></op></Body></E>"#;
        assert!(read_body(xxe).unwrap_err().what.contains("DOCTYPE"));
        let e = read_body("<E><Body><op><a>&xxe;</a></op></Body></E>").unwrap_err();
        assert!(e.what.contains("unknown entity &xxe;"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_not_followed() {
        let mut xml = String::from("<E><Body><op>");
        for _ in 0..10_000 {
            xml.push_str("<a>");
        }
        let e = read_body(&xml).unwrap_err();
        assert!(e.what.contains("nested deeper"), "{e}");
    }

    #[test]
    fn huge_text_node_is_read_whole() {
        let big = "x".repeat(5_000_000);
        let xml = format!("<E><Body><op><contentString>{big}</contentString></op></Body></E>");
        let (_, f) = fields(&xml);
        assert_eq!(f.get("contentString").map(str::len), Some(5_000_000));
    }
}
