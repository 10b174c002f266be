//! Problem documents in the reader's language: the title of an HTTP status,
//! and the message of each stable error code with the values the error
//! carries (`locales/*/problems.ftl`). A code missing from the catalogues
//! makes `catalog_is_complete` fail.

use crate::Lang;
use crate::catalogue::{has, message, render};
use amiable_domain::validation::Arg;

/// The catalogue id of an error code: `problem-` and the code with its dots as
/// dashes (`case.version_conflict` → `problem-case-version_conflict`).
pub fn problem_id(code: &str) -> String {
    format!("problem-{}", code.replace('.', "-"))
}

/// The message of an error code in `lang`, with its values; `None` when the
/// catalogue has no message for the code or the error lacks a value the
/// message names.
pub fn problem(lang: Lang, code: &str, args: &[(&'static str, Arg)]) -> Option<String> {
    render(lang, &problem_id(code), args)
}

/// The title of an HTTP status.
pub fn title(lang: Lang, status: u16) -> String {
    let id = format!("status-{status}");
    if has(lang, &id) {
        message(lang, &id, None)
    } else if (400..500).contains(&status) {
        message(lang, "status-client", None)
    } else {
        message(lang, "status-server", None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    #[test]
    fn titles() {
        assert_eq!(title(Lang::En, 404), "Not Found");
        assert_eq!(title(Lang::En, 422), "Unprocessable Entity");
        assert_eq!(title(Lang::Fr, 422), "Données invalides");
        assert_eq!(title(Lang::Fr, 415), "Type de contenu non pris en charge");
        assert_eq!(title(Lang::Fr, 418), "Requête refusée");
        assert_eq!(title(Lang::Fr, 599), "Erreur du serveur");
        for status in [400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503] {
            assert!(has(Lang::En, &format!("status-{status}")), "{status}");
        }
    }

    #[test]
    fn error_messages_are_sentences_in_french_typography() {
        for (lang, file, source) in crate::catalogue::SOURCES {
            if !file.ends_with("problems.ftl") {
                continue;
            }
            for line in source.lines().filter(|l| l.starts_with("problem-")) {
                let (id, text) = line.split_once(" = ").unwrap_or((line, ""));
                if text.is_empty() {
                    continue; // a select expression on the next lines
                }
                assert!(text.ends_with(['.', '-']), "{id} ({file}) is a sentence");
                if *lang == Lang::Fr {
                    // A no-break space before a colon or a percent sign, no straight apostrophe.
                    let plain_space_colon = text
                        .split(" : ")
                        .skip(1)
                        .any(|rest| rest.starts_with(char::is_alphabetic));
                    assert!(
                        !plain_space_colon && !text.contains(" %") && !text.contains('\''),
                        "{id}: {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_problem_renders_with_its_values_or_not_at_all() {
        let args = [("current_version", Arg::Number(7))];
        assert_eq!(
            problem(Lang::Fr, "case.version_conflict", &args).unwrap(),
            "Le dossier a été modifié entre-temps\u{a0}: il en est à la version 7. Veuillez le recharger, puis réessayer."
        );
        assert!(problem(Lang::En, "case.version_conflict", &[]).is_none());
        assert!(problem(Lang::En, "brand.new", &[]).is_none());
        assert_eq!(
            problem(Lang::En, "auth.forbidden", &[]).unwrap(),
            message(Lang::En, "problem-auth-forbidden", None)
        );
    }

    /// Codes that every client meets.
    #[test]
    fn announced_codes_are_in_the_catalog() {
        for code in [
            "auth.required",
            "auth.invalid_credentials",
            "auth.invalid_token",
            "auth.token_expired",
            "auth.csrf_failed",
            "auth.forbidden",
            "apikey.revoked",
            "buyer.lookup_failed",
            "rate_limited",
            "idempotency.key_invalid",
            "idempotency.key_reused",
            "idempotency.in_progress",
            "attachment.too_large",
            "attachment.type_not_allowed",
            "attachment.missing_file",
            "attachment.not_found",
            "case.not_found",
            "order.not_found",
            "merchant.not_found",
            "user.not_found",
            "case.version_conflict",
            "case.version_required",
            "case.version_invalid",
            "query.invalid",
            "cursor.invalid",
            "route.not_found",
            "route.method_not_allowed",
            "body.too_large",
            "body.unsupported_media_type",
            "body.invalid_json",
            "validation.failed",
            "field.required",
            "field.unknown",
            "field.unknown_value",
            "field.invalid",
            "field.type",
            "internal",
            "unavailable",
        ] {
            for lang in Lang::ALL {
                assert!(has(lang, &problem_id(code)), "{code}");
            }
        }
    }

    /// Every error code the workspace's sources can produce has a message in
    /// both languages. The sources are `crates/*/src/**/*.rs`, tokenised so
    /// that comments and string contents are never mistaken for code. A code
    /// is a string literal of lower-case words joined by dots, found:
    ///
    /// 1. as the 2nd argument of `FieldError::new(..)` and `Problem::new(..)`;
    /// 2. as the next-to-last argument of a call to a helper named `invalid`
    ///    (`invalid(field, code, message)` in the decider,
    ///    `invalid(code, message)` in query parsing);
    /// 3. anywhere in the body of a `fn code` or `fn *_code` returning a
    ///    `str` (match arms such as `Rejection::code`, tables such as
    ///    `json::field_code`), where only literals containing a dot count;
    /// 4. built from an entity name: `not_found("x")` and `NotFound("x")` give
    ///    `x.not_found`, `Duplicate("x")` and `duplicate_as("x")` give
    ///    `x.duplicate` (see `Problem::not_found` and `From<StoreError>`).
    ///
    /// A code built at run time any other way (a variable, `format!`) is not
    /// seen: keep codes literal.
    #[test]
    fn catalog_is_complete() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&crates).unwrap() {
            let src = entry.unwrap().path().join("src");
            if src.is_dir() {
                rust_files(&src, &mut files);
            }
        }
        assert!(files.len() > 10, "found only {files:?}");

        let mut codes = BTreeSet::new();
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            codes.extend(codes_in(&source));
        }
        // The scanner finds each kind of site.
        for sure in [
            "text.empty",                  // FieldError::new
            "route.not_found",             // Problem::new
            "case.quantity_exceeds_order", // invalid(field, code, message)
            "field.unknown_value",         // invalid(code, message)
            "offer.not_addressed_to_you",  // fn code
            "field.missing",               // fn field_code
            "case.not_found",              // Problem::not_found("case")
            "order.duplicate",             // StoreError::Duplicate("order")
        ] {
            assert!(
                codes.contains(sure),
                "scanner missed {sure}; found {codes:?}"
            );
        }

        let missing: Vec<_> = codes
            .iter()
            .filter(|code| Lang::ALL.iter().any(|lang| !has(*lang, &problem_id(code))))
            .map(|code| problem_id(code))
            .collect();
        assert!(
            missing.is_empty(),
            "add to locales/*/problems.ftl: {missing:?}"
        );
    }

    #[test]
    fn scanner_reads_code_only() {
        let source = r####"
            // FieldError::new("x", "comment.code", "")
            /* Problem::new(StatusCode::OK, "block.comment", "") /* nested */ */
            let s = "FieldError::new(\"x\", \"in.string\", \"\")";
            let r = r#"Problem::new(s, "in.raw_string", m)"#;
            let c = '"'; let l: &'static str = "";
            FieldError::new(format!("{a}.b"), "field.code", format!("x, {y}"));
            Problem::new(StatusCode::NOT_FOUND, &format!("{what}.dynamic"), "detail.like");
            Problem::new(StatusCode::GONE, "plain_code", "gone.");
            invalid(&field, "helper.three", "message.text");
            invalid("helper.two", "message");
            invalid("just a message");
            self.invalid("method.call", "m");
            fn code(&self) -> &'static str { match self { A => "arm.one", B => "no_dot", C => { "arm.two" } } }
            fn after() { "not.a_code"; }
            fn country_code() -> u16 { "not.a_str"; 33 }
            Problem::not_found("case"); StoreError::NotFound(what); StoreError::Duplicate("order");
        "####;
        let codes: Vec<_> = codes_in(source).into_iter().collect();
        assert_eq!(
            codes,
            [
                "arm.one",
                "arm.two",
                "case.not_found",
                "field.code",
                "helper.three",
                "helper.two",
                "order.duplicate",
                "plain_code",
            ]
        );
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Token {
        Ident(String),
        Str(String),
        Punct(char),
    }

    fn is_code(s: &str) -> bool {
        !s.is_empty()
            && s.split('.').all(|word| {
                word.starts_with(|c: char| c.is_ascii_lowercase())
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
    }

    fn codes_in(source: &str) -> BTreeSet<String> {
        let tokens = tokenize(source);
        let ident =
            |i: usize, name: &str| matches!(tokens.get(i), Some(Token::Ident(n)) if n == name);
        let punct = |i: usize, c: char| tokens.get(i) == Some(&Token::Punct(c));
        let string = |i: usize| match tokens.get(i) {
            Some(Token::Str(s)) => Some(s.clone()),
            _ => None,
        };
        let mut codes = BTreeSet::new();
        for i in 0..tokens.len() {
            // 1. FieldError::new( / Problem::new( / Error::new( and the one-field
            //    helpers `Problem::field(` / `Error::invalid_field(`: the 2nd argument;
            //    `Problem::unauthorized(` / `Error::unauthenticated(`: the 1st.
            if (ident(i, "FieldError") || ident(i, "Problem") || ident(i, "Error"))
                && punct(i + 1, ':')
                && punct(i + 2, ':')
                && punct(i + 4, '(')
            {
                let position = match tokens.get(i + 3) {
                    Some(Token::Ident(n)) if n == "new" || n == "field" || n == "invalid_field" => {
                        Some(1)
                    }
                    Some(Token::Ident(n)) if n == "unauthorized" || n == "unauthenticated" => {
                        Some(0)
                    }
                    _ => None,
                };
                let args = arguments(&tokens, i + 4);
                if let Some(position) = position
                    && let Some([Token::Str(code)]) = args.get(position).map(Vec::as_slice)
                {
                    codes.insert(code.clone());
                }
            }
            // 2. invalid(.., code, message), not a method, not its definition.
            if ident(i, "invalid")
                && punct(i + 1, '(')
                && !(i > 0 && (punct(i - 1, '.') || ident(i - 1, "fn")))
            {
                let args = arguments(&tokens, i + 1);
                if args.len() >= 2
                    && let [Token::Str(code)] = args[args.len() - 2].as_slice()
                {
                    codes.insert(code.clone());
                }
            }
            // 3. fn code / fn *_code bodies.
            if ident(i, "fn")
                && let Some(Token::Ident(name)) = tokens.get(i + 1)
                && (name == "code" || name.ends_with("_code"))
            {
                codes.extend(
                    function_body(&tokens, i + 2)
                        .iter()
                        .filter_map(|t| match t {
                            Token::Str(s) if s.contains('.') && is_code(s) => Some(s.clone()),
                            _ => None,
                        }),
                );
            }
            // 4. Codes built from an entity name.
            if punct(i + 1, '(')
                && punct(i + 3, ')')
                && let Some(entity) = string(i + 2).filter(|e| is_code(e) && !e.contains('.'))
            {
                if ident(i, "not_found") || ident(i, "NotFound") {
                    codes.insert(format!("{entity}.not_found"));
                } else if ident(i, "Duplicate") || ident(i, "duplicate_as") {
                    codes.insert(format!("{entity}.duplicate"));
                }
            }
        }
        codes.into_iter().filter(|c| is_code(c)).collect()
    }

    /// The arguments of the call whose `(` is at `open`, split on top-level commas.
    fn arguments(tokens: &[Token], open: usize) -> Vec<Vec<Token>> {
        let mut args = vec![Vec::new()];
        let mut depth = 0usize;
        for token in &tokens[open + 1..] {
            match token {
                Token::Punct('(' | '[' | '{') => depth += 1,
                Token::Punct(')') if depth == 0 => break,
                Token::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
                Token::Punct(',') if depth == 0 => {
                    args.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            if let Some(last) = args.last_mut() {
                last.push(token.clone());
            }
        }
        if args.last().is_some_and(Vec::is_empty) {
            args.pop(); // trailing comma, or no arguments
        }
        args
    }

    /// The tokens between the first `{` after `from` and its matching `}`, if
    /// the signature before it returns a `str` (a code).
    fn function_body(tokens: &[Token], from: usize) -> &[Token] {
        let Some(open) = tokens[from..].iter().position(|t| *t == Token::Punct('{')) else {
            return &[];
        };
        let open = from + open;
        if !tokens[from..open].contains(&Token::Ident("str".into())) {
            return &[];
        }
        let mut depth = 0;
        for (i, token) in tokens.iter().enumerate().skip(open) {
            match token {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        return &tokens[open + 1..i];
                    }
                }
                _ => {}
            }
        }
        &tokens[open + 1..]
    }

    /// Identifiers, string literals (contents unescaped only as far as `\"`
    /// and `\\`) and single punctuation characters; comments, char literals
    /// and whitespace are dropped, a lifetime becomes `'` then its name.
    fn tokenize(source: &str) -> Vec<Token> {
        let chars: Vec<char> = source.chars().collect();
        let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '/' && at(i + 1) == '/' {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && at(i + 1) == '*' {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            } else if c == '"' || (c == 'b' && at(i + 1) == '"') {
                i += if c == 'b' { 2 } else { 1 };
                let mut text = String::new();
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        text.push(at(i + 1));
                        i += 2;
                    } else {
                        text.push(chars[i]);
                        i += 1;
                    }
                }
                i += 1;
                tokens.push(Token::Str(text));
            } else if let Some(hashes) = raw_string_start(&chars, i) {
                // r"..", r#".."#, br#".."#
                let mut j = i + usize::from(c == 'b') + 1 + hashes + 1;
                let start = j;
                loop {
                    if j >= chars.len() {
                        break;
                    }
                    if chars[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                        break;
                    }
                    j += 1;
                }
                tokens.push(Token::Str(
                    chars[start..j.min(chars.len())].iter().collect(),
                ));
                i = j + 1 + hashes;
            } else if c == '\'' {
                if at(i + 1) == '\\' {
                    // '\n', '\'', '\u{..}': skip the quote, the backslash and the escaped character.
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    tokens.push(Token::Punct('\''));
                    i += 1;
                }
            } else if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            } else {
                tokens.push(Token::Punct(c));
                i += 1;
            }
        }
        tokens
    }

    /// The number of `#` of a raw string starting at `i`, if one does.
    fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
        let mut j = i;
        if chars.get(j) == Some(&'b') {
            j += 1;
        }
        if chars.get(j) != Some(&'r') {
            return None;
        }
        // Only at the start of a token: `bar"` is not a raw string.
        if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
            return None;
        }
        j += 1;
        let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
        (chars.get(j + hashes) == Some(&'"')).then_some(hashes)
    }
}
