//! docs/config.md is the settings of `src/config/settings.rs` (with their
//! defaults from `src/config/defaults.rs`) as an operator reads them: every table and key, its type, its default and its doc comment.
//! The test fails when the page and the code disagree;
//! `UPDATE_CONFIG_DOC=1 cargo test --test it config_doc` writes the page again.

use std::collections::BTreeMap;
use std::fmt::Write;

use quote::ToTokens;

const SETTINGS: &str = include_str!("../../src/config/settings.rs");
const DEFAULTS: &str = include_str!("../../src/config/defaults.rs");
const PAGE: &str = "docs/config.md";

/// The parts of `src/config/` the page is made of.
struct Settings<'a> {
    structs: BTreeMap<String, &'a syn::ItemStruct>,
    enums: BTreeMap<String, &'a syn::ItemEnum>,
    defaults: BTreeMap<String, String>,
}

fn doc_of(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join(" ").trim().to_string()
}

/// `#[serde(...)]` of a field: (default, rename, skip). The default is `None`
/// for a required key, `Some("")` for the type's own default.
fn serde_of(attrs: &[syn::Attribute]) -> (Option<String>, Option<String>, bool) {
    let (mut default, mut rename, mut skip) = (None, None, false);
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("default") {
                default = Some(match m.value() {
                    Ok(v) => v.parse::<syn::LitStr>()?.value(),
                    Err(_) => String::new(),
                });
            } else if m.path.is_ident("rename") {
                rename = Some(m.value()?.parse::<syn::LitStr>()?.value());
            } else if m.path.is_ident("skip") {
                skip = true;
            } else if let Ok(v) = m.value() {
                v.parse::<syn::Expr>()?;
            }
            Ok(())
        })
        .unwrap();
    }
    (default, rename, skip)
}

/// A type as its path segments' names, outermost first: `Option<Vec<String>>` → ["Option", "Vec", "String"].
fn type_parts(ty: &syn::Type) -> Vec<String> {
    let syn::Type::Path(p) = ty else { return vec![ty.to_token_stream().to_string()] };
    let last = p.path.segments.last().unwrap();
    let mut parts = vec![last.ident.to_string()];
    if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
        if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
            parts.extend(type_parts(t));
        }
    }
    parts
}

/// A sentence that starts with a capital.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl Settings<'_> {
    /// How a value of a type (as [`type_parts`] gives it) is written in TOML.
    fn toml_type(&self, parts: &[String]) -> String {
        match parts {
            [o, rest @ ..] if o == "Option" => return self.toml_type(rest),
            [v, rest @ ..] if v == "Vec" => return format!("list of {}", self.toml_type(rest)),
            _ => {}
        }
        let name = parts[0].as_str();
        if let Some(e) = self.enums.get(name) {
            let words: Vec<String> =
                e.variants.iter().map(|v| format!("`\"{}\"`", v.ident.to_string().to_lowercase())).collect();
            return words.join(" or ");
        }
        match name {
            "String" | "PathBuf" | "Url" | "SecretString" | "ShopId" => "string".into(),
            "SocketAddr" => "string (address:port)".into(),
            "u8" | "u16" | "u32" | "u64" | "usize" | "i64" => "integer".into(),
            "f64" => "number".into(),
            "bool" => "true or false".into(),
            _ => "anything (refused)".into(),
        }
    }

    /// The default a `#[serde(default = "defaults::f")]` names: `f`'s body, as TOML writes it.
    fn default_of(&self, function: &str) -> String {
        let function = function.trim_start_matches("defaults::");
        let body = self.defaults.get(function).unwrap_or_else(|| panic!("no default function {function}"));
        format!("`{}`", self.toml_value(body))
    }

    /// An expression of `src/config/defaults.rs` (as tokens print it) as a TOML value.
    fn toml_value(&self, expr: &str) -> String {
        let expr = expr.replace(" . into ()", "").replace(" . to_string ()", "").replace(".into()", "");
        if let Some(list) = expr.strip_prefix("vec ! [").and_then(|l| l.strip_suffix(']')) {
            let items: Vec<String> = list.split(" , ").map(|i| self.toml_value(i.trim())).collect();
            return format!("[{}]", items.join(", "));
        }
        if let Some((ty, variant)) = expr.split_once(" :: ") {
            if self.enums.contains_key(ty) {
                return format!("\"{}\"", variant.to_lowercase());
            }
        }
        if let Some(path) = expr.strip_prefix("crate :: ") {
            // A constant of another file of the crate: its value, as written there.
            let segments: Vec<&str> = path.split(" :: ").collect();
            let (name, module) = segments.split_last().unwrap();
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(module.join("/") + ".rs");
            let source = std::fs::read_to_string(&file).unwrap();
            let found = syn::parse_file(&source).unwrap().items.into_iter().find_map(|i| match i {
                syn::Item::Const(c) if c.ident == name => Some(c.expr.to_token_stream().to_string()),
                _ => None,
            });
            return self.toml_value(&found.unwrap_or_else(|| panic!("no constant {name} in {}", file.display())));
        }
        if let Some(address) = expr.strip_suffix(" . parse () . expect (\"an address\")") {
            return address.to_string();
        }
        if let Some((base, shift)) = expr.split_once(" << ") {
            return (base.parse::<u64>().unwrap() << shift.parse::<u32>().unwrap()).to_string();
        }
        expr
    }

    /// One table (`path`, an array of tables when `array`) and the tables inside it.
    fn table(&self, out: &mut String, path: &str, array: bool, ty: &str, doc: &str) {
        let item = self.structs[ty];
        let header = if array { format!("[[{path}]]") } else { format!("[{path}]") };
        // A table's doc comment names the table first: `[seqr]`: how to reach SEQR.
        let doc = doc.split_once("`: ").map_or(doc, |(_, rest)| rest);
        writeln!(out, "\n## `{header}`\n\n{}\n", capitalized(doc)).unwrap();
        writeln!(out, "| key | type | default | meaning |\n| --- | --- | --- | --- |").unwrap();
        let mut inner = Vec::new();
        for field in &item.fields {
            let (default, rename, skip) = serde_of(&field.attrs);
            if skip {
                continue;
            }
            let key = rename.unwrap_or_else(|| field.ident.as_ref().unwrap().to_string());
            let parts = type_parts(&field.ty);
            let doc = doc_of(&field.attrs).replace('|', "\\|");
            if parts[0] == "Vec" && self.structs.contains_key(&parts[1]) {
                inner.push((format!("{path}.{key}"), parts[1].clone(), doc));
                continue;
            }
            let ty = self.toml_type(&parts);
            let default = match (default.as_deref(), ty.as_str()) {
                (Some(f), _) if !f.is_empty() => self.default_of(f),
                (_, "anything (refused)") => "—".to_string(),
                (Some(_), "integer") => "`0`".to_string(),
                (Some(_), "number") => "`0.0`".to_string(),
                (Some(_), "true or false") => "`false`".to_string(),
                (Some(_), t) if t.starts_with("list") => "`[]`".to_string(),
                (_, _) if parts[0] == "Option" => "none".to_string(),
                (Some(_), _) => "none".to_string(),
                (None, _) => "required".to_string(),
            };
            writeln!(out, "| `{key}` | {ty} | {default} | {doc} |").unwrap();
        }
        for (path, ty, doc) in inner {
            self.table(out, &path, true, &ty, &doc);
        }
    }
}

fn render() -> String {
    let settings = syn::parse_file(SETTINGS).unwrap();
    let defaults = syn::parse_file(DEFAULTS).unwrap();
    let mut s = Settings { structs: BTreeMap::new(), enums: BTreeMap::new(), defaults: BTreeMap::new() };
    for item in settings.items.iter().chain(&defaults.items) {
        match item {
            syn::Item::Struct(i) => drop(s.structs.insert(i.ident.to_string(), i)),
            syn::Item::Enum(i) => drop(s.enums.insert(i.ident.to_string(), i)),
            syn::Item::Fn(f) if f.block.stmts.len() == 1 => {
                let body = f.block.stmts[0].to_token_stream().to_string();
                s.defaults.insert(f.sig.ident.to_string(), body);
            }
            _ => {}
        }
    }
    let mut out = String::from(
        "# Configuration reference\n\nEvery table and key of `seqr-recon.toml`, its type, its default and what it \
         does, as `src/config/settings.rs` defines them. A key left out takes its default; a `required` key must be \
         given; an unknown key is refused, naming it. Passwords are never in this file: a `password_env` names \
         the environment variable that holds one. [operator.md](operator.md) shows the keys at work.\n",
    );
    for field in &s.structs["Config"].fields {
        let (_, rename, skip) = serde_of(&field.attrs);
        if skip {
            continue;
        }
        let key = rename.unwrap_or_else(|| field.ident.as_ref().unwrap().to_string());
        let parts = type_parts(&field.ty);
        let ty = parts.last().unwrap();
        s.table(&mut out, &key, parts[0] == "Vec", ty, &doc_of(&field.attrs));
    }
    out
}

#[test]
fn config_doc_is_the_settings_of_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    let want = render();
    if std::env::var_os("UPDATE_CONFIG_DOC").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{PAGE} is stale: `UPDATE_CONFIG_DOC=1 cargo test --test it config_doc` writes it from src/config/"
    );
}
