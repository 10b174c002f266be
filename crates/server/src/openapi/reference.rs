//! The API reference page (`GET /api/docs`): the OpenAPI document rendered
//! on the server as one HTML page with its style inline — no script, no
//! font, nothing fetched from elsewhere. Every text taken from the document
//! is escaped; the only markup added to it is `code` and **strong**.

use super::API_PREFIX;
use crate::api::ROUTES;
use serde_json::Value;
use std::fmt::Write;

const METHODS: &[&str] = &["get", "put", "post", "patch", "delete"];

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5560; --line: #d5dbe1; --paper: #ffffff;
  --soft: #f4f6f8; --link: #0b57b0; --focus: #b34700; --required: #a1121b; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--paper);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--link); }
a:focus-visible, summary:focus-visible, main:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .88em;
  background: var(--soft); padding: .05em .3em; border-radius: 3px; }
p code, dd code, .constraints code { overflow-wrap: anywhere; }
.skip { position: absolute; left: -999px; top: .5rem; background: var(--paper); padding: .5rem 1rem; z-index: 2; }
.skip:focus { left: .5rem; }
.layout { display: flex; align-items: flex-start; }
nav { position: sticky; top: 0; flex: 0 0 18.5rem; height: 100vh; overflow-y: auto;
  padding: 1.25rem 1rem 2rem; background: var(--soft); border-right: 1px solid var(--line); font-size: .9rem; }
nav .brand { font-size: 1.1rem; font-weight: 700; margin: 0 0 1rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav > ul > li { margin-bottom: 1rem; }
nav .tag, nav summary { font-weight: 700; text-transform: capitalize; color: var(--ink); text-decoration: none; cursor: pointer; }
nav li li a { display: flex; gap: .45rem; align-items: baseline; padding: .15rem 0; color: var(--ink); text-decoration: none; }
nav li li a:hover .path { text-decoration: underline; }
nav .path { overflow-wrap: anywhere; }
main { flex: 1 1 auto; min-width: 0; max-width: 66rem; padding: 1.5rem 2.5rem 4rem; }
h1 { font-size: 2rem; margin: 0 0 .25rem; }
h2 { font-size: 1.5rem; margin: 2.5rem 0 .5rem; padding-bottom: .3rem; border-bottom: 2px solid var(--line); }
h2.tag { text-transform: capitalize; }
h3 { font-size: 1.15rem; margin: 0; display: flex; flex-wrap: wrap; gap: .6rem; align-items: baseline; }
h3 code { background: none; padding: 0; font-size: 1rem; overflow-wrap: anywhere; }
h4 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.version { color: var(--muted); margin: 0 0 1rem; }
.op, .schema { border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.25rem; margin: 1.25rem 0; }
.summary { font-weight: 600; margin: .5rem 0 .25rem; }
.method { display: inline-block; min-width: 3.3rem; text-align: center; font-weight: 700; font-size: .72rem;
  letter-spacing: .04em; padding: .1rem .35rem; border-radius: 3px; border: 1px solid currentColor; }
.method.get { color: #0a5c2f; background: #e6f4ec; }
.method.post { color: #0b4a8f; background: #e7eff9; }
.method.put, .method.patch { color: #7a4500; background: #fbf0e0; }
.method.delete { color: #a1121b; background: #fbe9ea; }
.auth, .muted { color: var(--muted); font-size: .9rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .25rem 0 .5rem; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .4rem .5rem; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.name, td.in, td.status { white-space: nowrap; }
td.status { font-weight: 700; }
td.type { min-width: 8rem; }
td.desc { overflow-wrap: anywhere; }
td.nested { padding-left: 1.6rem; }
td.nested2 { padding-left: 2.7rem; }
td.nested3 { padding-left: 3.8rem; }
.required { color: var(--required); font-size: .78rem; font-weight: 600; margin-left: .35rem; }
.constraints { color: var(--muted); }
dl.schemes dt { margin-top: .5rem; }
dl.schemes dd { margin-left: 1.25rem; }
ul.variants { margin: .25rem 0; padding-left: 1.2rem; }
@media (max-width: 50rem) {
  .layout { display: block; }
  nav { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--line); }
  main { padding: 1rem; }
}
"#;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with the little markdown the descriptions use: `code` and **strong**.
fn inline(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
            continue;
        }
        for (j, piece) in part.split("**").enumerate() {
            if j % 2 == 1 {
                let _ = write!(out, "<strong>{piece}</strong>");
            } else {
                out.push_str(piece);
            }
        }
    }
    out
}

/// Paragraphs separated by blank lines; single newlines are spaces.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", inline(&p.replace('\n', " "))))
        .collect()
}

/// A fragment identifier made of safe characters.
fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn count(n: &Value, unit: &str) -> String {
    let n = plain(n);
    if n == "1" {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn is_null(schema: &Value) -> bool {
    str_of(schema, "type") == Some("null")
}

/// The component name of a `$ref`.
fn ref_name(schema: &Value) -> Option<&str> {
    str_of(schema, "$ref").and_then(|r| r.rsplit('/').next())
}

fn schema_link(name: &str) -> String {
    format!("<a href=\"#schema-{}\">{}</a>", anchor(name), escape(name))
}

fn table(headers: &[&str], rows: &str) -> String {
    let headers: String = headers
        .iter()
        .map(|h| format!("<th scope=\"col\">{h}</th>"))
        .collect();
    format!(
        "<div class=\"table-wrap\"><table><thead><tr>{headers}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
}

/// Renders one OpenAPI document.
struct Page<'a> {
    document: &'a Value,
}

impl<'a> Page<'a> {
    /// Follows a `$ref` inside the document (to a schema, response, parameter…).
    fn resolve(&self, value: &'a Value) -> &'a Value {
        match str_of(value, "$ref").and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.document.pointer(pointer).unwrap_or(value),
            None => value,
        }
    }

    /// `T` for `T`, and for `T or null`.
    fn non_null(&self, schema: &'a Value) -> &'a Value {
        schema
            .get("oneOf")
            .and_then(Value::as_array)
            .and_then(|options| match options.as_slice() {
                [a, b] if is_null(a) => Some(b),
                [a, b] if is_null(b) => Some(a),
                _ => None,
            })
            .unwrap_or(schema)
    }

    /// Whether a schema is described by its fields (and so gets a table).
    fn has_fields(schema: &Value) -> bool {
        schema.get("properties").is_some() || schema.get("allOf").is_some()
    }

    /// A short, linked name for a schema's type: `string (date-time)`,
    /// `array of OrderLine`, `Money or null`.
    fn type_label(&self, schema: &Value) -> String {
        if let Some(name) = ref_name(schema) {
            return schema_link(name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let mut labels: Vec<String> = options
                    .iter()
                    .filter(|o| !is_null(o))
                    .map(|o| self.type_label(o))
                    .collect();
                if options.iter().any(is_null) {
                    labels.push("null".into());
                }
                return labels.join(" or ");
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let labels: Vec<String> = parts.iter().map(|p| self.type_label(p)).collect();
            return labels.join(" and ");
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.is_empty() {
            return if schema.get("properties").is_some() {
                "object".into()
            } else {
                "any JSON value".into()
            };
        }
        let mut labels: Vec<String> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| match *t {
                "array" => match schema.get("items") {
                    Some(items) => format!("array of {}", self.type_label(items)),
                    None => "array".into(),
                },
                other => match str_of(schema, "format") {
                    Some(format) => format!("{} ({})", escape(other), escape(format)),
                    None => escape(other),
                },
            })
            .collect();
        if types.contains(&"null") {
            labels.push("null".into());
        }
        labels.join(" or ")
    }

    /// What a value may be, beyond its type: enum values, bounds, pattern.
    fn constraints(schema: &Value) -> Vec<String> {
        let codes = |values: &Vec<Value>| {
            values
                .iter()
                .map(|v| format!("<code>{}</code>", escape(&plain(v))))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = Vec::new();
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            out.push(format!("one of {}", codes(values)));
        }
        if let Some(values) = schema.pointer("/items/enum").and_then(Value::as_array) {
            out.push(format!("each one of {}", codes(values)));
        }
        if let Some(n) = schema.get("minLength") {
            out.push(format!("at least {}", count(n, "character")));
        }
        if let Some(n) = schema.get("maxLength") {
            out.push(format!("at most {}", count(n, "character")));
        }
        if let Some(n) = schema.get("minimum") {
            out.push(format!("minimum {}", escape(&plain(n))));
        }
        if let Some(n) = schema.get("maximum") {
            out.push(format!("maximum {}", escape(&plain(n))));
        }
        if let Some(n) = schema.get("minItems") {
            out.push(format!("at least {}", count(n, "item")));
        }
        if let Some(n) = schema.get("maxItems") {
            out.push(format!("at most {}", count(n, "item")));
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            out.push("no duplicates".into());
        }
        if let Some(pattern) = str_of(schema, "pattern") {
            out.push(format!("matches <code>{}</code>", escape(pattern)));
        }
        if let Some(default) = schema.get("default") {
            out.push(format!("default <code>{}</code>", escape(&plain(default))));
        }
        if let Some(example) = schema.pointer("/examples/0") {
            out.push(format!("e.g. <code>{}</code>", escape(&plain(example))));
        }
        out
    }

    /// A field's description and constraints. A field whose type is a named
    /// plain value (an id, an enum, a bounded text) shows that type's
    /// description and constraints too, so the table reads on its own.
    fn details(&self, schema: &'a Value) -> String {
        let inner = self.non_null(schema);
        let own = str_of(schema, "description").or_else(|| str_of(inner, "description"));
        let named = ref_name(inner)
            .map(|_| self.resolve(inner))
            .filter(|target| !Self::has_fields(target) && target.get("oneOf").is_none());
        let mut parts = Vec::new();
        if let Some(text) = own.or_else(|| named.and_then(|n| str_of(n, "description"))) {
            parts.push(inline(text));
        }
        let mut constraints = Self::constraints(inner);
        if let Some(target) = named {
            constraints.extend(Self::constraints(target));
        }
        if !constraints.is_empty() {
            parts.push(format!(
                "<span class=\"constraints\">{}.</span>",
                constraints.join("; ")
            ));
        }
        parts.join(" ")
    }

    /// Rows for an object's fields. Objects defined in place are expanded
    /// below their field; so are named ones when `expand` lists the names
    /// being expanded (request bodies read whole, without a cycle).
    fn field_rows(
        &self,
        schema: &'a Value,
        depth: usize,
        expand: Option<&mut Vec<&'a str>>,
        out: &mut String,
    ) {
        let indent = match depth {
            0 => "",
            1 => " nested",
            2 => " nested2",
            _ => " nested3",
        };
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match ref_name(part) {
                Some(name) => {
                    let _ = write!(
                        out,
                        "<tr><td class=\"name{indent}\" colspan=\"3\">Every field of {}, and:</td></tr>",
                        schema_link(name)
                    );
                }
                None => self.field_rows(part, depth, None, out),
            }
        }
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut expand = expand;
        for (name, property) in properties {
            let _ = write!(
                out,
                "<tr><td class=\"name{indent}\"><code>{}</code>{}</td><td class=\"type\">{}</td><td class=\"desc\">{}</td></tr>",
                escape(name),
                if required.contains(&name.as_str()) {
                    "<span class=\"required\">required</span>"
                } else {
                    ""
                },
                self.type_label(property),
                self.details(property),
            );
            let inner = self.non_null(property);
            let nested = match inner.get("items") {
                Some(items) => items,
                None => inner,
            };
            if depth >= 3 {
                continue;
            }
            match (ref_name(nested), expand.as_deref_mut()) {
                (None, expand) if Self::has_fields(nested) => {
                    self.field_rows(nested, depth + 1, expand, out)
                }
                (Some(name), Some(open)) if !open.contains(&name) => {
                    let target = self.resolve(nested);
                    if Self::has_fields(target) {
                        open.push(name);
                        self.field_rows(target, depth + 1, Some(&mut *open), out);
                        open.pop();
                    }
                }
                _ => {}
            }
        }
    }

    /// A schema as a field table (objects), its variants (unions) or one line;
    /// with `expand`, the fields of named objects are shown in place too.
    fn schema_block(&self, schema: &'a Value, expand: bool) -> String {
        if Self::has_fields(schema) {
            let mut rows = String::new();
            let mut open = Vec::new();
            self.field_rows(schema, 0, expand.then_some(&mut open), &mut rows);
            let mut out = table(&["Field", "Type", "Description"], &rows);
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                out.push_str("<p class=\"muted\">Unknown fields are refused.</p>");
            }
            return out;
        }
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            let mut out = String::from("<p>One of:</p><ul class=\"variants\">");
            for variant in variants {
                if Self::has_fields(variant) {
                    let _ = write!(out, "<li>{}</li>", self.schema_block(variant, expand));
                } else {
                    let _ = write!(
                        out,
                        "<li>{} {}</li>",
                        self.type_label(variant),
                        self.details(variant)
                    );
                }
            }
            out.push_str("</ul>");
            return out;
        }
        format!(
            "<p>{}. {}</p>",
            self.type_label(schema),
            self.details(schema)
        )
    }

    fn security_label(&self, requirement: &Value) -> String {
        let Some(names) = requirement.as_object() else {
            return String::new();
        };
        if names.is_empty() {
            return "none".into();
        }
        names
            .keys()
            .map(|name| {
                let scheme = self
                    .document
                    .pointer(&format!("/components/securitySchemes/{name}"))
                    .unwrap_or(&Value::Null);
                let hint = match (str_of(scheme, "type"), str_of(scheme, "in")) {
                    (Some("http"), _) => format!(
                        " (<code>Bearer {}</code>)",
                        escape(str_of(scheme, "bearerFormat").unwrap_or(""))
                    ),
                    (Some("apiKey"), Some("cookie")) => format!(
                        " (cookie <code>{}</code>, and <code>X-CSRF-Token</code> on POST)",
                        escape(str_of(scheme, "name").unwrap_or(""))
                    ),
                    _ => String::new(),
                };
                format!(
                    "<a href=\"#scheme-{}\">{}</a>{hint}",
                    anchor(name),
                    escape(name)
                )
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }

    fn parameters(&self, operation: &'a Value) -> String {
        let Some(parameters) = operation.get("parameters").and_then(Value::as_array) else {
            return String::new();
        };
        let mut rows = String::new();
        for parameter in parameters {
            let parameter = self.resolve(parameter);
            let schema = parameter.get("schema").unwrap_or(&Value::Null);
            let mut description = str_of(parameter, "description")
                .map(inline)
                .unwrap_or_default();
            let more = self.details(schema);
            if !more.is_empty() && !description.is_empty() {
                // The parameter's own words first; the type's constraints after.
                let constraints = more
                    .find("<span class=\"constraints\">")
                    .map(|at| &more[at..])
                    .unwrap_or("");
                description = format!("{description} {constraints}");
            } else if description.is_empty() {
                description = more;
            }
            let _ = write!(
                rows,
                "<tr><td class=\"name\"><code>{}</code>{}</td><td class=\"in\">{}</td><td class=\"type\">{}</td><td class=\"desc\">{}</td></tr>",
                escape(str_of(parameter, "name").unwrap_or("")),
                if parameter.get("required") == Some(&Value::Bool(true)) {
                    "<span class=\"required\">required</span>"
                } else {
                    ""
                },
                escape(str_of(parameter, "in").unwrap_or("")),
                self.type_label(schema),
                description.trim_end()
            );
        }
        format!(
            "<h4>Parameters</h4>{}",
            table(&["Name", "In", "Type", "Description"], &rows)
        )
    }

    fn request_body(&self, operation: &'a Value) -> String {
        let Some(body) = operation.get("requestBody") else {
            return String::new();
        };
        let body = self.resolve(body);
        let mut out = String::from("<h4>Request body</h4>");
        if let Some(description) = str_of(body, "description") {
            out.push_str(&paragraphs(description));
        }
        let optional = body.get("required") != Some(&Value::Bool(true));
        for (media, content) in body
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let schema = content.get("schema").unwrap_or(&Value::Null);
            let _ = write!(
                out,
                "<p><code>{}</code>{}{}</p>",
                escape(media),
                ref_name(schema)
                    .map(|name| format!(": {}", schema_link(name)))
                    .unwrap_or_default(),
                if optional {
                    " — optional: the body may be left out."
                } else {
                    ""
                }
            );
            out.push_str(&self.schema_block(self.resolve(schema), true));
        }
        out
    }

    fn responses(&self, operation: &'a Value) -> String {
        let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
            return String::new();
        };
        let mut rows = String::new();
        for (status, response) in responses {
            let response = self.resolve(response);
            let body: Vec<String> = response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(media, content)| match content.get("schema") {
                    // JSON bodies are named by their schema; the overview says
                    // errors are `application/problem+json`.
                    Some(schema) if media.ends_with("json") => self.type_label(schema),
                    Some(schema) => {
                        format!("<code>{}</code> {}", escape(media), self.type_label(schema))
                    }
                    None => format!("<code>{}</code>", escape(media)),
                })
                .collect();
            let headers: String = response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, header)| {
                    format!(
                        "<br><span class=\"muted\">Header <code>{}</code>: {}</span>",
                        escape(name),
                        str_of(header, "description")
                            .map(inline)
                            .unwrap_or_default()
                    )
                })
                .collect();
            let _ = write!(
                rows,
                "<tr><td class=\"status\">{}</td><td class=\"desc\">{}{headers}</td><td class=\"type\">{}</td></tr>",
                escape(status),
                str_of(response, "description")
                    .map(inline)
                    .unwrap_or_default(),
                if body.is_empty() {
                    "none".into()
                } else {
                    body.join(", ")
                }
            );
        }
        format!(
            "<h4>Responses</h4>{}",
            table(&["Status", "Description", "Body"], &rows)
        )
    }

    fn operation(&self, path: &str, method: &str, operation: &'a Value) -> String {
        let id = anchor(str_of(operation, "operationId").unwrap_or("operation"));
        let mut out = format!(
            "<article class=\"op\" id=\"op-{id}\" aria-labelledby=\"op-{id}-title\"><h3 id=\"op-{id}-title\">\
             <span class=\"method {method}\">{}</span> <code>{}</code></h3>",
            escape(&method.to_uppercase()),
            escape(path)
        );
        if let Some(summary) = str_of(operation, "summary") {
            let _ = write!(out, "<p class=\"summary\">{}</p>", inline(summary));
        }
        if let Some(description) = str_of(operation, "description") {
            out.push_str(&paragraphs(description));
        }
        let security = match operation.get("security").and_then(Value::as_array) {
            Some(requirements) if !requirements.is_empty() => requirements
                .iter()
                .map(|r| self.security_label(r))
                .collect::<Vec<_>>()
                .join(", or "),
            _ => "none".into(),
        };
        let _ = write!(
            out,
            "<p class=\"auth\"><strong>Authentication:</strong> {security}</p>"
        );
        out.push_str(&self.parameters(operation));
        out.push_str(&self.request_body(operation));
        out.push_str(&self.responses(operation));
        out.push_str("</article>");
        out
    }

    /// The operations as (tag, path, method, operation), in the route table's order.
    fn operations(&self) -> Vec<(&'a str, &'a str, &'static str, &'a Value)> {
        let mut found = Vec::new();
        for (path, item) in self
            .document
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for method in METHODS {
                if let Some(operation) = item.get(*method) {
                    let tag = operation
                        .pointer("/tags/0")
                        .and_then(Value::as_str)
                        .unwrap_or("other");
                    found.push((tag, path.as_str(), *method, operation));
                }
            }
        }
        let position = |path: &str, method: &str| {
            ROUTES
                .iter()
                .position(|r| {
                    r.method.eq_ignore_ascii_case(method)
                        && path.strip_prefix(API_PREFIX) == Some(r.path)
                })
                .unwrap_or(usize::MAX)
        };
        found.sort_by_key(|(_, path, method, _)| position(path, method));
        found
    }

    fn render(&self) -> String {
        let document = self.document;
        let title = escape(
            document
                .pointer("/info/title")
                .and_then(Value::as_str)
                .unwrap_or("API"),
        );
        let version = escape(
            document
                .pointer("/info/version")
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        let openapi = escape(str_of(document, "openapi").unwrap_or(""));
        let description = document
            .pointer("/info/description")
            .and_then(Value::as_str)
            .map(paragraphs)
            .unwrap_or_default();
        let operations = self.operations();

        // Tags in the document's order, then any tag used but not declared.
        let mut tags: Vec<(&str, &str)> = Vec::new();
        let declared = document
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (name, description) in declared
            .filter_map(|t| Some((str_of(t, "name")?, str_of(t, "description").unwrap_or(""))))
            .chain(operations.iter().map(|(tag, ..)| (*tag, "")))
        {
            if !tags.iter().any(|(n, _)| *n == name) {
                tags.push((name, description));
            }
        }

        let mut nav = String::new();
        let mut sections = String::new();
        for (tag, tag_description) in tags {
            let in_tag: Vec<_> = operations.iter().filter(|(t, ..)| *t == tag).collect();
            if in_tag.is_empty() {
                continue;
            }
            let id = anchor(tag);
            let _ = write!(
                nav,
                "<li><a class=\"tag\" href=\"#tag-{id}\">{}</a><ul>",
                escape(tag)
            );
            let _ = write!(
                sections,
                "<section id=\"tag-{id}\" aria-labelledby=\"tag-{id}-title\"><h2 class=\"tag\" id=\"tag-{id}-title\">{}</h2>{}",
                escape(tag),
                paragraphs(tag_description)
            );
            for (_, path, method, operation) in in_tag {
                let short = path.strip_prefix(API_PREFIX).unwrap_or(path);
                let _ = write!(
                    nav,
                    "<li><a href=\"#op-{}\"><span class=\"method {method}\">{}</span> <span class=\"path\">{}</span></a></li>",
                    anchor(str_of(operation, "operationId").unwrap_or("operation")),
                    method.to_uppercase(),
                    escape(short).replace('/', "/<wbr>")
                );
                sections.push_str(&self.operation(path, method, operation));
            }
            nav.push_str("</ul></li>");
            sections.push_str("</section>");
        }

        let mut schemes = String::new();
        for (name, scheme) in document
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let _ = write!(
                schemes,
                "<dt id=\"scheme-{}\"><code>{}</code></dt><dd>{}</dd>",
                anchor(name),
                escape(name),
                str_of(scheme, "description")
                    .map(inline)
                    .unwrap_or_default()
            );
        }

        let mut schema_nav = String::new();
        let mut schemas = String::new();
        let components = document
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        for (name, schema) in components.into_iter().flatten() {
            let id = anchor(name);
            let _ = write!(
                schema_nav,
                "<li><a href=\"#schema-{id}\"><span class=\"path\">{}</span></a></li>",
                escape(name)
            );
            let _ = write!(
                schemas,
                "<section class=\"schema\" id=\"schema-{id}\" aria-labelledby=\"schema-{id}-title\"><h3 id=\"schema-{id}-title\">{}</h3>",
                escape(name)
            );
            if Self::has_fields(schema) || schema.get("oneOf").is_some() {
                schemas.push_str(
                    &str_of(schema, "description")
                        .map(paragraphs)
                        .unwrap_or_default(),
                );
            }
            schemas.push_str(&self.schema_block(schema, false));
            schemas.push_str("</section>");
        }
        let schema_count = components.map_or(0, |c| c.len());

        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} reference</title><style>{STYLE}</style></head><body>\
             <a class=\"skip\" href=\"#main\">Skip to the reference</a><div class=\"layout\">\
             <nav aria-label=\"Reference\"><p class=\"brand\">{title}</p><ul>\
             <li><a class=\"tag\" href=\"#main\">Overview</a><ul><li><a href=\"#authentication\">Authentication</a></li></ul></li>\
             {nav}<li><details><summary>Schemas ({schema_count})</summary><ul>{schema_nav}</ul></details></li></ul></nav>\
             <main id=\"main\" tabindex=\"-1\"><header><h1>{title}</h1>\
             <p class=\"version\">Version {version} · OpenAPI {openapi} · \
             <a href=\"{API_PREFIX}/openapi.json\">the document as JSON</a></p></header>{description}\
             <section id=\"authentication\" aria-labelledby=\"authentication-title\">\
             <h2 id=\"authentication-title\">Authentication</h2><dl class=\"schemes\">{schemes}</dl></section>\
             {sections}<section id=\"schemas\" aria-labelledby=\"schemas-title\">\
             <h2 id=\"schemas-title\">Schemas</h2>{schemas}</section></main></div></body></html>\n"
        )
    }
}

/// The whole reference page for an OpenAPI document.
pub fn render(document: &Value) -> String {
    Page { document }.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_escaped_and_only_code_and_strong_are_added() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            inline("**Bold** and `<code>` <b>"),
            "<strong>Bold</strong> and <code>&lt;code&gt;</code> &lt;b&gt;"
        );
    }

    #[test]
    fn types_read_naturally() {
        let document = json!({});
        let page = Page {
            document: &document,
        };
        let optional = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Money"}]});
        assert_eq!(
            page.type_label(&optional),
            "<a href=\"#schema-Money\">Money</a> or null"
        );
        let ids = json!({"type": "array", "items": {"type": "string", "format": "uuid"}});
        assert_eq!(page.type_label(&ids), "array of string (uuid)");
        let version = json!({"type": ["integer", "null"], "format": "int64"});
        assert_eq!(page.type_label(&version), "integer (int64) or null");
    }

    #[test]
    fn a_field_of_a_named_plain_type_shows_that_type_s_values() {
        let document = json!({"components": {"schemas": {
            "Stage": {"type": "string", "description": "The ladder.", "enum": ["negotiation", "mediation"]}
        }}});
        let page = Page {
            document: &document,
        };
        let field = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Stage"}]});
        assert_eq!(
            page.details(&field),
            "The ladder. <span class=\"constraints\">one of <code>negotiation</code>, <code>mediation</code>.</span>"
        );
    }

    #[test]
    fn hostile_names_cannot_break_out() {
        let document = json!({
            "info": {"title": "<script>alert(1)</script>", "version": "1"},
            "paths": {"/x\"><script>": {"get": {"operationId": "a\"b", "tags": ["<t>"], "responses": {}}}}
        });
        let page = render(&document);
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<t>"));
    }
}
