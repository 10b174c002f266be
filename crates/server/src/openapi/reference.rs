//! The API reference page (`GET /api/docs`): the OpenAPI document rendered
//! on the server — no script, no font, nothing fetched from elsewhere.
//!
//! The page's markup is the askama template `templates/api/reference.html`
//! and its style the asset `assets/api-docs.css`, served from the binary with
//! a content hash (see [`crate::web::assets`]); this module reads the document
//! into what the template shows. Every text taken from the document is
//! escaped: names, paths and statuses by askama, and the phrase-level
//! fragments built here ([`Markup`]: descriptions with `code` and **strong**,
//! types linked to their schema, constraints) by [`escape`] before the only
//! markup they carry is added; the template inserts those with `|safe`.

use super::API_PREFIX;
use crate::api::ACTIONS;
use askama::Template;
use serde_json::Value;
use std::fmt::{self, Write};

const METHODS: &[&str] = &["get", "put", "post", "patch", "delete"];

/// The page's stylesheet, one of the assets of [`crate::web::assets`].
pub const STYLESHEET: &str = "api-docs.css";

/// HTML made in this module from escaped text; the template shows it as is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Markup(String);

impl fmt::Display for Markup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Escapes text for HTML content and attribute values.
pub use amiable_domain::text::escape_html as escape;

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

/// The whole page.
#[derive(Template)]
#[template(path = "api/reference.html")]
struct ReferencePage<'a> {
    stylesheet: String,
    title: &'a str,
    version: &'a str,
    openapi: &'a str,
    document_href: String,
    description: Markup,
    schemes: Vec<Scheme<'a>>,
    tags: Vec<Tag<'a>>,
    schemas: Vec<SchemaSection<'a>>,
}

/// A security scheme of `components.securitySchemes`.
struct Scheme<'a> {
    id: String,
    name: &'a str,
    description: Markup,
}

/// The operations of one tag, in the navigation and as a section.
struct Tag<'a> {
    id: String,
    name: &'a str,
    description: Markup,
    operations: Vec<Operation<'a>>,
}

struct Operation<'a> {
    id: String,
    /// Lower case: the CSS class.
    method: &'static str,
    path: &'a str,
    /// The path below [`API_PREFIX`], split at its slashes (the navigation
    /// lets long paths break after each one).
    short_path: Vec<&'a str>,
    summary: Option<Markup>,
    description: Markup,
    security: Markup,
    parameters: Option<Vec<ParameterRow<'a>>>,
    request_body: Option<RequestBody<'a>>,
    responses: Option<Vec<ResponseRow<'a>>>,
}

impl Operation<'_> {
    fn method_upper(&self) -> String {
        self.method.to_uppercase()
    }
}

struct ParameterRow<'a> {
    name: &'a str,
    required: bool,
    location: &'a str,
    type_label: Markup,
    description: Markup,
}

struct RequestBody<'a> {
    description: Markup,
    contents: Vec<BodyContent<'a>>,
}

/// One media type of a request body.
struct BodyContent<'a> {
    media: &'a str,
    /// A link to the body's named schema.
    schema: Option<Markup>,
    optional: bool,
    block: Block<'a>,
}

struct ResponseRow<'a> {
    status: &'a str,
    description: Markup,
    /// Header name and description.
    headers: Vec<(&'a str, Markup)>,
    body: Markup,
}

/// A named schema of `components.schemas`.
struct SchemaSection<'a> {
    id: String,
    name: &'a str,
    description: Markup,
    block: Block<'a>,
}

/// A schema as a field table (objects), its variants (unions) or one line.
enum Block<'a> {
    Fields(FieldTable<'a>),
    Variants(Vec<Variant<'a>>),
    Line { type_label: Markup, details: Markup },
}

/// One variant of a union: objects get their table.
enum Variant<'a> {
    Fields(FieldTable<'a>),
    Line { type_label: Markup, details: Markup },
}

struct FieldTable<'a> {
    rows: Vec<FieldRow<'a>>,
    /// `additionalProperties: false`.
    closed: bool,
}

enum FieldRow<'a> {
    /// `allOf` with a named schema: its fields come first.
    Inherits {
        indent: &'static str,
        schema: Markup,
    },
    Field {
        indent: &'static str,
        name: &'a str,
        required: bool,
        type_label: Markup,
        details: Markup,
    },
}

/// Reads one OpenAPI document.
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
        out: &mut Vec<FieldRow<'a>>,
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
                Some(name) => out.push(FieldRow::Inherits {
                    indent,
                    schema: Markup(schema_link(name)),
                }),
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
            out.push(FieldRow::Field {
                indent,
                name,
                required: required.contains(&name.as_str()),
                type_label: Markup(self.type_label(property)),
                details: Markup(self.details(property)),
            });
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

    /// An object's field table; with `expand`, the fields of named objects
    /// are shown in place too.
    fn field_table(&self, schema: &'a Value, expand: bool) -> FieldTable<'a> {
        let mut rows = Vec::new();
        let mut open = Vec::new();
        self.field_rows(schema, 0, expand.then_some(&mut open), &mut rows);
        FieldTable {
            rows,
            closed: schema.get("additionalProperties") == Some(&Value::Bool(false)),
        }
    }

    /// A schema as a field table (objects), its variants (unions) or one line.
    fn schema_block(&self, schema: &'a Value, expand: bool) -> Block<'a> {
        if Self::has_fields(schema) {
            return Block::Fields(self.field_table(schema, expand));
        }
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            return Block::Variants(
                variants
                    .iter()
                    .map(|variant| {
                        if Self::has_fields(variant) {
                            Variant::Fields(self.field_table(variant, expand))
                        } else {
                            Variant::Line {
                                type_label: Markup(self.type_label(variant)),
                                details: Markup(self.details(variant)),
                            }
                        }
                    })
                    .collect(),
            );
        }
        Block::Line {
            type_label: Markup(self.type_label(schema)),
            details: Markup(self.details(schema)),
        }
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

    fn parameters(&self, operation: &'a Value) -> Option<Vec<ParameterRow<'a>>> {
        let parameters = operation.get("parameters").and_then(Value::as_array)?;
        let mut rows = Vec::new();
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
            rows.push(ParameterRow {
                name: str_of(parameter, "name").unwrap_or(""),
                required: parameter.get("required") == Some(&Value::Bool(true)),
                location: str_of(parameter, "in").unwrap_or(""),
                type_label: Markup(self.type_label(schema)),
                description: Markup(description.trim_end().to_owned()),
            });
        }
        Some(rows)
    }

    fn request_body(&self, operation: &'a Value) -> Option<RequestBody<'a>> {
        let body = self.resolve(operation.get("requestBody")?);
        let optional = body.get("required") != Some(&Value::Bool(true));
        let contents = body
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(media, content)| {
                let schema = content.get("schema").unwrap_or(&Value::Null);
                BodyContent {
                    media,
                    schema: ref_name(schema).map(|name| Markup(schema_link(name))),
                    optional,
                    block: self.schema_block(self.resolve(schema), true),
                }
            })
            .collect();
        Some(RequestBody {
            description: Markup(
                str_of(body, "description")
                    .map(paragraphs)
                    .unwrap_or_default(),
            ),
            contents,
        })
    }

    fn responses(&self, operation: &'a Value) -> Option<Vec<ResponseRow<'a>>> {
        let responses = operation.get("responses").and_then(Value::as_object)?;
        let mut rows = Vec::new();
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
            let headers = response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, header)| {
                    (
                        name.as_str(),
                        Markup(
                            str_of(header, "description")
                                .map(inline)
                                .unwrap_or_default(),
                        ),
                    )
                })
                .collect();
            rows.push(ResponseRow {
                status,
                description: Markup(
                    str_of(response, "description")
                        .map(inline)
                        .unwrap_or_default(),
                ),
                headers,
                body: Markup(if body.is_empty() {
                    "none".into()
                } else {
                    body.join(", ")
                }),
            });
        }
        Some(rows)
    }

    fn operation(
        &self,
        path: &'a str,
        method: &'static str,
        operation: &'a Value,
    ) -> Operation<'a> {
        let security = match operation.get("security").and_then(Value::as_array) {
            Some(requirements) if !requirements.is_empty() => requirements
                .iter()
                .map(|r| self.security_label(r))
                .collect::<Vec<_>>()
                .join(", or "),
            _ => "none".into(),
        };
        Operation {
            id: anchor(str_of(operation, "operationId").unwrap_or("operation")),
            method,
            path,
            short_path: path
                .strip_prefix(API_PREFIX)
                .unwrap_or(path)
                .split('/')
                .collect(),
            summary: str_of(operation, "summary").map(|s| Markup(inline(s))),
            description: Markup(
                str_of(operation, "description")
                    .map(paragraphs)
                    .unwrap_or_default(),
            ),
            security: Markup(security),
            parameters: self.parameters(operation),
            request_body: self.request_body(operation),
            responses: self.responses(operation),
        }
    }

    /// The operations as (tag, path, method, operation), in the order of [`ACTIONS`].
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
        let position = |operation: &Value| {
            let id = operation.get("operationId").and_then(Value::as_str);
            ACTIONS
                .iter()
                .position(|(known, _)| Some(*known) == id)
                .unwrap_or(usize::MAX)
        };
        found.sort_by_key(|(_, _, _, operation)| position(operation));
        found
    }

    fn page(&self) -> ReferencePage<'a> {
        let document = self.document;
        let operations = self.operations();

        // Tags in the document's order, then any tag used but not declared.
        let mut tag_names: Vec<(&str, &str)> = Vec::new();
        let declared = document
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (name, description) in declared
            .filter_map(|t| Some((str_of(t, "name")?, str_of(t, "description").unwrap_or(""))))
            .chain(operations.iter().map(|(tag, ..)| (*tag, "")))
        {
            if !tag_names.iter().any(|(n, _)| *n == name) {
                tag_names.push((name, description));
            }
        }
        let tags = tag_names
            .into_iter()
            .map(|(name, description)| Tag {
                id: anchor(name),
                name,
                description: Markup(paragraphs(description)),
                operations: operations
                    .iter()
                    .filter(|(tag, ..)| *tag == name)
                    .map(|(_, path, method, operation)| self.operation(path, method, operation))
                    .collect(),
            })
            .filter(|tag| !tag.operations.is_empty())
            .collect();

        let schemes = document
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, scheme)| Scheme {
                id: anchor(name),
                name,
                description: Markup(
                    str_of(scheme, "description")
                        .map(inline)
                        .unwrap_or_default(),
                ),
            })
            .collect();

        let schemas = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, schema)| SchemaSection {
                id: anchor(name),
                name,
                description: Markup(
                    if Self::has_fields(schema) || schema.get("oneOf").is_some() {
                        str_of(schema, "description")
                            .map(paragraphs)
                            .unwrap_or_default()
                    } else {
                        String::new()
                    },
                ),
                block: self.schema_block(schema, false),
            })
            .collect();

        let text = |pointer: &str| document.pointer(pointer).and_then(Value::as_str);
        ReferencePage {
            stylesheet: crate::web::assets::href(STYLESHEET),
            title: text("/info/title").unwrap_or("API"),
            version: text("/info/version").unwrap_or(""),
            openapi: str_of(document, "openapi").unwrap_or(""),
            document_href: format!("{API_PREFIX}/openapi.json"),
            description: Markup(
                text("/info/description")
                    .map(paragraphs)
                    .unwrap_or_default(),
            ),
            schemes,
            tags,
            schemas,
        }
    }
}

/// The whole reference page for an OpenAPI document.
pub fn render(document: &Value) -> Result<String, askama::Error> {
    Page { document }.page().render()
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
        let page = render(&document).unwrap();
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<t>"));
    }
}
