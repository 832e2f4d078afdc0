//! Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization 1.0, both without
//! comments, over a `roxmltree` document: what an XML signature digests and signs.
//!
//! Written by hand because no maintained, light crate covers it (see docs/peppol.md): the
//! node-sets needed are a whole subtree, optionally without one excluded subtree (the
//! enveloped-signature transform). Documents come from `roxmltree` with DTDs refused, so there
//! are no default attributes or entity references to expand; `roxmltree` already normalised
//! line ends and attribute values as the XML data model asks. Element and attribute prefixes
//! are taken from the source text, since a namespace can be bound to several prefixes.

use std::collections::BTreeMap;

use roxmltree::{Node, NodeId, NodeType};

/// The XML namespace; its attributes (`xml:lang`, …) are inherited in inclusive c14n.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Which canonicalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`
    Inclusive,
    /// `http://www.w3.org/2001/10/xml-exc-c14n#`, with the `InclusiveNamespaces PrefixList`
    /// prefixes (`#default` for the default namespace) treated inclusively.
    Exclusive { inclusive_prefixes: Vec<String> },
}

/// Algorithm URIs.
pub const INCLUSIVE: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const EXCLUSIVE: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

impl Method {
    /// The method an algorithm URI names; `None` for others (the `#WithComments` variants
    /// included: signatures over comments are not expected here).
    #[must_use]
    pub fn from_uri(uri: &str, inclusive_prefixes: Vec<String>) -> Option<Self> {
        match uri {
            INCLUSIVE => Some(Self::Inclusive),
            EXCLUSIVE => Some(Self::Exclusive { inclusive_prefixes }),
            _ => None,
        }
    }
}

/// The canonical form of `apex` (an element, or the document root for the whole document)
/// and everything below it, leaving out the subtree of `excluded`.
#[must_use]
pub fn canonicalize(apex: Node<'_, '_>, excluded: Option<NodeId>, method: &Method) -> Vec<u8> {
    let mut writer = Writer {
        out: String::new(),
        excluded,
        method,
        source: apex.document().input_text(),
    };
    if apex.node_type() == NodeType::Root {
        // Whole document: the document element with processing instructions around it, each
        // separated from it by a line feed; comments and the prolog's whitespace go.
        let mut before_root = true;
        for child in apex.children() {
            match child.node_type() {
                NodeType::Element => {
                    writer.element(child, &BTreeMap::new(), true);
                    before_root = false;
                }
                NodeType::PI => {
                    if !before_root {
                        writer.out.push('\n');
                    }
                    writer.pi(child);
                    if before_root {
                        writer.out.push('\n');
                    }
                }
                _ => {}
            }
        }
    } else {
        writer.element(apex, &BTreeMap::new(), true);
    }
    writer.out.into_bytes()
}

struct Writer<'m, 's> {
    out: String,
    excluded: Option<NodeId>,
    method: &'m Method,
    source: &'s str,
}

impl Writer<'_, '_> {
    /// `rendered`: the namespace declarations (prefix, "" for the default, to URI) in effect in
    /// the output at the parent.
    fn element(&mut self, node: Node<'_, '_>, rendered: &BTreeMap<String, String>, apex: bool) {
        if Some(node.id()) == self.excluded {
            return;
        }
        let qname = self.element_qname(node);
        let prefix = qname.split_once(':').map_or("", |(p, _)| p).to_owned();

        // The namespace declarations to render here.
        let mut in_scope: BTreeMap<String, String> = node
            .namespaces()
            .map(|ns| (ns.name().unwrap_or("").to_owned(), ns.uri().to_owned()))
            .filter(|(p, _)| p != "xml")
            .collect();
        in_scope.entry(String::new()).or_default();
        let attributes: Vec<(String, Option<String>, String, String)> = node
            .attributes()
            .map(|a| {
                (
                    self.source[a.range_qname()].to_owned(),
                    a.namespace().map(str::to_owned),
                    a.name().to_owned(),
                    a.value().to_owned(),
                )
            })
            .collect();
        let candidates: Vec<String> = match self.method {
            Method::Inclusive => in_scope.keys().cloned().collect(),
            Method::Exclusive { inclusive_prefixes } => {
                let mut used = vec![prefix.clone()];
                for (qname, ..) in &attributes {
                    if let Some((p, _)) = qname.split_once(':') {
                        if p != "xml" {
                            used.push(p.to_owned());
                        }
                    }
                }
                for listed in inclusive_prefixes {
                    let p = if listed == "#default" { "" } else { listed };
                    if in_scope.contains_key(p) {
                        used.push(p.to_owned());
                    }
                }
                used.sort();
                used.dedup();
                used
            }
        };
        let mut now_rendered = rendered.clone();
        let mut declarations: Vec<(String, String)> = Vec::new();
        for p in candidates {
            let uri = in_scope.get(&p).cloned().unwrap_or_default();
            let before = rendered.get(&p).map_or("", String::as_str);
            // An empty default namespace needs saying only to undo a rendered one.
            if before != uri && !(p.is_empty() && uri.is_empty() && before.is_empty()) {
                declarations.push((p.clone(), uri.clone()));
                now_rendered.insert(p, uri);
            }
        }
        declarations.sort_by(|a, b| a.0.cmp(&b.0));

        // Attributes, plus in inclusive mode the xml:* ones inherited by the apex.
        let mut attrs: Vec<(String, String, String, String)> = attributes
            .into_iter()
            .map(|(qname, ns, local, value)| (ns.unwrap_or_default(), local, qname, value))
            .collect();
        if apex && *self.method == Method::Inclusive {
            for ancestor in node.ancestors().skip(1).filter(Node::is_element) {
                for a in ancestor.attributes() {
                    if a.namespace() == Some(XML_NAMESPACE)
                        && !attrs
                            .iter()
                            .any(|x| x.0 == XML_NAMESPACE && x.1 == a.name())
                    {
                        attrs.push((
                            XML_NAMESPACE.to_owned(),
                            a.name().to_owned(),
                            format!("xml:{}", a.name()),
                            a.value().to_owned(),
                        ));
                    }
                }
            }
        }
        attrs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));

        self.out.push('<');
        self.out.push_str(&qname);
        for (p, uri) in &declarations {
            if p.is_empty() {
                self.out.push_str(" xmlns=\"");
            } else {
                self.out.push_str(" xmlns:");
                self.out.push_str(p);
                self.out.push_str("=\"");
            }
            escape_attribute(&mut self.out, uri);
            self.out.push('"');
        }
        for (_, _, qname, value) in &attrs {
            self.out.push(' ');
            self.out.push_str(qname);
            self.out.push_str("=\"");
            escape_attribute(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push('>');
        for child in node.children() {
            match child.node_type() {
                NodeType::Element => self.element(child, &now_rendered, false),
                NodeType::Text => escape_text(&mut self.out, child.text().unwrap_or("")),
                NodeType::PI => self.pi(child),
                _ => {}
            }
        }
        self.out.push_str("</");
        self.out.push_str(&qname);
        self.out.push('>');
    }

    /// The element's name as written in the source (`ds:Signature`).
    fn element_qname(&self, node: Node<'_, '_>) -> String {
        let start = node.range().start + 1;
        self.source[start..]
            .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    fn pi(&mut self, node: Node<'_, '_>) {
        if let Some(pi) = node.pi() {
            self.out.push_str("<?");
            self.out.push_str(pi.target);
            if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                self.out.push(' ');
                self.out.push_str(value);
            }
            self.out.push_str("?>");
        }
    }
}

fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attribute(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn c14n(xml: &str, method: &Method) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        String::from_utf8(canonicalize(doc.root(), None, method)).unwrap()
    }

    fn c14n_of(xml: &str, local: &str, method: &Method) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let node = doc
            .descendants()
            .find(|n| n.tag_name().name() == local)
            .unwrap();
        String::from_utf8(canonicalize(node, None, method)).unwrap()
    }

    fn exclusive() -> Method {
        Method::Exclusive {
            inclusive_prefixes: vec![],
        }
    }

    #[test]
    fn documents_lose_the_declaration_and_comments_and_keep_processing_instructions() {
        // After the W3C C14N 1.0 example 3.1 (without comments).
        let xml = "<?xml version=\"1.0\"?>\n\n<?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\n<doc>Hello, world!<!-- Comment 1 --></doc>\n\n<?pi-without-data     ?>\n\n<!-- Comment 2 -->\n";
        assert_eq!(
            c14n(xml, &Method::Inclusive),
            "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n<doc>Hello, world!</doc>\n<?pi-without-data?>"
        );
    }

    #[test]
    fn empty_elements_attributes_and_namespaces_are_written_in_canonical_order() {
        // After the W3C C14N 1.0 example 3.3.
        let xml = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
        let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
        assert_eq!(c14n(xml, &Method::Inclusive), expected);
    }

    #[test]
    fn text_and_attribute_values_are_escaped_canonically() {
        // After the W3C C14N 1.0 example 3.4 (character modifications).
        let xml = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
        let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>";
        assert_eq!(c14n(xml, &Method::Inclusive), expected);
    }

    #[test]
    fn a_subtree_carries_its_in_scope_namespaces_inclusively_and_only_used_ones_exclusively() {
        let xml = r#"<a:root xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d" xml:lang="nl"><a:child b:x="1"><plain/></a:child></a:root>"#;
        assert_eq!(
            c14n_of(xml, "child", &Method::Inclusive),
            r#"<a:child xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xml:lang="nl" b:x="1"><plain></plain></a:child>"#
        );
        assert_eq!(
            c14n_of(xml, "child", &exclusive()),
            r#"<a:child xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><plain xmlns="urn:d"></plain></a:child>"#
        );
        let listed = Method::Exclusive {
            inclusive_prefixes: vec!["#default".into()],
        };
        assert_eq!(
            c14n_of(xml, "child", &listed),
            r#"<a:child xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><plain></plain></a:child>"#
        );
    }

    #[test]
    fn exclusive_c14n_does_not_repeat_a_prefix_its_output_ancestor_rendered() {
        let xml =
            r#"<r xmlns:s="urn:s"><s:a><s:b><c xmlns:s="urn:other" s:q="1"/></s:b></s:a></r>"#;
        assert_eq!(
            c14n_of(xml, "a", &exclusive()),
            r#"<s:a xmlns:s="urn:s"><s:b><c xmlns:s="urn:other" s:q="1"></c></s:b></s:a>"#
        );
    }

    #[test]
    fn the_excluded_subtree_is_left_out() {
        let xml = r#"<r xmlns:ds="urn:ds"><x>1</x><ds:Signature><ds:y/></ds:Signature></r>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let signature = doc
            .descendants()
            .find(|n| n.tag_name().name() == "Signature")
            .unwrap();
        let out = canonicalize(doc.root(), Some(signature.id()), &Method::Inclusive);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<r xmlns:ds="urn:ds"><x>1</x></r>"#
        );
    }

    #[test]
    fn the_prefix_written_is_the_one_in_the_source_when_two_name_the_same_namespace() {
        let xml = r#"<r xmlns="urn:same" xmlns:p="urn:same"><p:e/><e/></r>"#;
        assert_eq!(
            c14n(xml, &Method::Inclusive),
            r#"<r xmlns="urn:same" xmlns:p="urn:same"><p:e></p:e><e></e></r>"#
        );
    }
}
