//! What a reply email really says.
//!
//! When a buyer or a merchant answers a notification email, the reply becomes a
//! message on the case. Mail clients send much more than what the person wrote:
//! the whole conversation quoted under (or, for inline replies, between) the
//! answer, a signature, « Envoyé de mon iPhone ». [`strip_reply`] keeps the new
//! text only, so that the case timeline does not repeat itself with every reply;
//! when the person wrote nothing of their own, it keeps everything rather than
//! lose the message.
//!
//! [`is_automatic`] recognises, by their headers, the emails no person wrote:
//! out-of-office replies, bounces, mailing-list traffic. They must never become
//! case messages, nor be answered (RFC 3834 §2: two robots answering each other
//! would loop forever).
//!
//! Plain string handling on purpose: each rule below is for a format that the
//! mail clients of amiable's users produce (Gmail, Apple Mail, Outlook,
//! Thunderbird, in French and English), and says which.

/// The new text of a reply: without the quoted history, the signature, the
/// mobile "Sent from my iPhone" line and surplus blank lines. Line endings become
/// `\n`, trailing spaces of lines are removed and blank lines never follow each
/// other.
///
/// Quotes interleaved with new text (an inline reply) are kept, since the answers
/// make no sense without the questions; the attribution line above them and a
/// quote block at the end are dropped.
///
/// When nothing of the person's own would remain (they only quoted), the whole
/// text is returned, trimmed: a message is never lost.
pub fn strip_reply(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut kept = lines[..history_start(&lines).unwrap_or(lines.len())].to_vec();
    // RFC 3676 §4.3: the signature starts at a line "-- " (already trimmed to "--").
    if let Some(separator) = kept.iter().position(|line| *line == "--") {
        kept.truncate(separator);
    }
    drop_trailing_noise(&mut kept);
    let kept = drop_inline_attributions(&kept);
    let new_text = join_tidy(&kept);
    if new_text.is_empty() {
        text.trim().to_owned()
    } else {
        new_text
    }
}

/// Where the quoted history starts: an attribution line (« Le … a écrit : »,
/// "On … wrote:") above quotes that run to the end, an Outlook separator or
/// header block, or a forwarded message.
fn history_start(lines: &[&str]) -> Option<usize> {
    (0..lines.len()).find(|&i| {
        is_separator(lines[i])
            || is_header_block(&lines[i..])
            || attribution_len(&lines[i..])
                .is_some_and(|len| !starts_inline_reply(&lines[i + len..]))
    })
}

/// The line, lower-cased, with its runs of spaces (including the no-break spaces
/// French typography puts before a colon) made one plain space.
fn squash(line: &str) -> String {
    line.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Outlook's "-----Original Message-----" and Gmail's "---------- Forwarded
/// message ---------", in English and French, and Apple Mail's forward line.
fn is_separator(line: &str) -> bool {
    let line = squash(line);
    if line.starts_with("---") {
        let title = line.trim_matches('-').trim();
        return matches!(
            title,
            "original message"
                | "message d'origine"
                | "message d’origine"
                | "forwarded message"
                | "message transféré"
        );
    }
    matches!(
        line.as_str(),
        "begin forwarded message:" | "début du message réexpédié :"
    )
}

/// The names of the header lines Outlook writes under « From: » / « De : » when it
/// quotes a message.
const QUOTED_HEADERS: &[&str] = &[
    "sent", "envoyé", "date", "to", "à", "cc", "cci", "bcc", "subject", "objet",
];

/// An Outlook quote header: « From: » / « De : » followed directly by at least
/// two header lines (« Sent: », « À : », « Objet : »…). A lone « De : » is how a
/// French sentence may start, so it is not enough.
fn is_header_block(lines: &[&str]) -> bool {
    let Some((first, rest)) = lines.split_first() else {
        return false;
    };
    matches!(header_name(first).as_deref(), Some("from" | "de"))
        && rest.len() >= 2
        && rest[..2].iter().all(|line| {
            header_name(line).is_some_and(|name| QUOTED_HEADERS.contains(&name.as_str()))
        })
}

/// The lower-cased name of a "Name: value" line, also in the `*From:*` form of
/// HTML mail turned into text.
fn header_name(line: &str) -> Option<String> {
    let line = squash(line);
    let (name, _) = line.split_once(':')?;
    let name = name.trim().trim_matches('*').trim();
    (!name.is_empty() && name.chars().count() <= 12).then(|| name.to_owned())
}

/// How many lines (1, or 2 when the mail client wrapped it) the attribution at
/// the start of `lines` takes, if there is one.
fn attribution_len(lines: &[&str]) -> Option<usize> {
    let first = *lines.first()?;
    if !opens_attribution(first) {
        return None;
    }
    if is_attribution(first) {
        return Some(1);
    }
    let second = *lines.get(1)?;
    let wrapped = !second.is_empty()
        && !opens_attribution(second)
        && is_attribution(&format!("{first} {second}"));
    wrapped.then_some(2)
}

fn opens_attribution(line: &str) -> bool {
    let line = squash(line);
    line.starts_with("le ") || line.starts_with("on ")
}

/// « Le lun. 7 déc. 2026 à 14:03, Boutique <x@y.fr> a écrit : » or "On Mon, Dec
/// 7, 2026 at 2:03 PM, Shop <x@y.com> wrote:". An attribution always carries a
/// date, which keeps "On my side I wrote:" in the new text.
fn is_attribution(line: &str) -> bool {
    let line = squash(line);
    let Some(head) = line.strip_suffix(':') else {
        return false;
    };
    let head = head.trim_end();
    (line.starts_with("le ") || line.starts_with("on "))
        && line.chars().any(|c| c.is_ascii_digit())
        && (head.ends_with(" a écrit") || head.ends_with(" a ecrit") || head.ends_with(" wrote"))
}

/// Whether what follows an attribution is an inline reply: quoted lines first,
/// then text of the person's own.
fn starts_inline_reply(rest: &[&str]) -> bool {
    let mut non_blank = rest.iter().filter(|line| !line.is_empty());
    non_blank.next().is_some_and(|first| is_quoted(first)) && non_blank.any(|line| !is_quoted(line))
}

/// Removes, from the end, blank lines, a quote block, Outlook's rule of
/// underscores above its header block and a mobile signature, in any order.
fn drop_trailing_noise(lines: &mut Vec<&str>) {
    loop {
        let before = lines.len();
        while lines
            .last()
            .is_some_and(|line| line.is_empty() || is_quoted(line) || is_rule(line))
        {
            lines.pop();
        }
        if lines.last().is_some_and(|line| is_mobile_signature(line)) {
            lines.pop();
        }
        if lines.len() == before {
            return;
        }
    }
}

fn is_rule(line: &str) -> bool {
    line.len() >= 8 && line.chars().all(|c| c == '_')
}

/// The line phones and Outlook apps add under what the person wrote.
const MOBILE_SIGNATURES: &[&str] = &[
    "envoyé de mon ",
    "envoyé depuis mon ",
    "envoyé à partir de ",
    "sent from my ",
    "sent from mail for windows",
    "get outlook for ",
    "obtenir outlook pour ",
    "télécharger outlook pour ",
];

/// A mobile signature is short: a longer line that happens to start with "Sent
/// from my" is a sentence the person wrote.
fn is_mobile_signature(line: &str) -> bool {
    let line = squash(line);
    line.chars().count() <= 60
        && MOBILE_SIGNATURES
            .iter()
            .any(|start| line.starts_with(start))
}

/// Drops the attribution lines left above quotes, in an inline reply.
fn drop_inline_attributions<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut kept = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if let Some(len) = attribution_len(&lines[i..])
            && next_non_blank(&lines[i + len..]).is_some_and(is_quoted)
        {
            i += len;
            continue;
        }
        kept.push(lines[i]);
        i += 1;
    }
    kept
}

fn next_non_blank<'a>(lines: &[&'a str]) -> Option<&'a str> {
    lines.iter().copied().find(|line| !line.is_empty())
}

/// The lines joined with `\n`, without blank lines at either end and with each
/// run of blank lines made one.
fn join_tidy(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank_before = false;
    for line in lines {
        if line.is_empty() {
            blank_before = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_before {
                out.push('\n');
            }
        }
        out.push_str(line);
        blank_before = false;
    }
    out
}

/// Whether a header's value (trimmed) marks the email as automatic.
type ValueTest = fn(&str) -> bool;

/// The headers that mark an automatic email, in the order they are tested, with
/// the reason [`is_automatic`] gives.
const AUTOMATIC: &[(&str, ValueTest, &str)] = &[
    // RFC 3834 §5: anything but "no" was sent by a machine.
    ("auto-submitted", is_not_no, "auto_submitted"),
    ("x-autoreply", is_present, "autoreply"),
    ("x-autorespond", is_present, "autoreply"),
    ("precedence", is_bulk, "precedence"),
    // Exchange marks its out-of-office replies with this header.
    (
        "x-auto-response-suppress",
        suppresses_replies,
        "auto_response_suppress",
    ),
    // RFC 2919 and RFC 2369: a mailing list.
    ("list-id", is_present, "mailing_list"),
    ("list-unsubscribe", is_present, "mailing_list"),
    // RFC 5321 §4.5.5: bounces are sent with a null reverse path.
    ("return-path", is_null_path, "bounce"),
];

/// Why an email must not become a case message, by its headers (names in any
/// case): `auto_submitted`, `autoreply`, `precedence`, `auto_response_suppress`,
/// `mailing_list` or `bounce`; `None` for an email a person wrote.
pub fn is_automatic(headers: &[(&str, &str)]) -> Option<&'static str> {
    AUTOMATIC
        .iter()
        .find(|(name, matches, _)| {
            headers.iter().any(|(header, value)| {
                header.trim().eq_ignore_ascii_case(name) && matches(value.trim())
            })
        })
        .map(|(_, _, reason)| *reason)
}

fn is_present(_value: &str) -> bool {
    true
}

fn is_not_no(value: &str) -> bool {
    let keyword = value.split(';').next().unwrap_or_default().trim();
    !keyword.eq_ignore_ascii_case("no")
}

fn is_bulk(value: &str) -> bool {
    ["bulk", "list", "junk"]
        .iter()
        .any(|bulk| value.eq_ignore_ascii_case(bulk))
}

fn suppresses_replies(value: &str) -> bool {
    value
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .any(|token| {
            ["all", "oof", "autoreply"]
                .iter()
                .any(|word| token.eq_ignore_ascii_case(word))
        })
}

fn is_null_path(value: &str) -> bool {
    value
        .chars()
        .filter(|c| !c.is_whitespace())
        .eq("<>".chars())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_french_reply_keeps_paragraphs_and_list() {
        let reply = "Bonjour,\r\n\
            \r\n\
            Le colis est arrivé abîmé. Voici ce qui manque :\r\n\
            \r\n\
            - la housse du coussin\r\n\
            - deux vis de fixation   \r\n\
            \r\n\
            \r\n\
            \r\n\
            Je peux vous envoyer des photos si besoin.\r\n\
            \r\n\
            Cordialement,\r\n\
            Claire Martin\r\n\
            \r\n\
            Le lun. 7 déc. 2026 à 14:03, Boutique Amiable <contact@boutique-amiable.fr> a\u{a0}écrit\u{202f}:\r\n\
            \r\n\
            > Bonjour Claire,\r\n\
            >\r\n\
            > Pouvez-vous nous préciser ce qui manque ?\r\n\
            >\r\n\
            > --\r\n\
            > Boutique Amiable\r\n";
        assert_eq!(
            strip_reply(reply),
            "Bonjour,\n\
             \n\
             Le colis est arrivé abîmé. Voici ce qui manque :\n\
             \n\
             - la housse du coussin\n\
             - deux vis de fixation\n\
             \n\
             Je peux vous envoyer des photos si besoin.\n\
             \n\
             Cordialement,\n\
             Claire Martin"
        );
    }

    #[test]
    fn gmail_english_reply() {
        let reply = "Thanks, the parcel is at the post office now.\n\
            \n\
            On Mon, Dec 7, 2026 at 2:03 PM, Shop <support@shop.example.com> wrote:\n\
            > Hello Tom,\n\
            > Please send the parcel back with the label attached.\n";
        assert_eq!(
            strip_reply(reply),
            "Thanks, the parcel is at the post office now."
        );
    }

    #[test]
    fn wrapped_attributions() {
        let french = "D'accord, je renvoie le colis demain.\n\
            \n\
            Le lun. 7 déc. 2026 à 14:03, Boutique Amiable <contact@boutique-amiable.fr>\n\
            a écrit :\n\
            \n\
            > Bonjour, voici l'étiquette de retour.\n";
        assert_eq!(strip_reply(french), "D'accord, je renvoie le colis demain.");

        let english = "Done, dropped it off this morning.\n\
            \n\
            On Mon, Dec 7, 2026 at 2:03 PM Shop Customer Service <\n\
            support@shop.example.com> wrote:\n\
            \n\
            > Here is your return label.\n";
        assert_eq!(strip_reply(english), "Done, dropped it off this morning.");
    }

    #[test]
    fn attribution_without_space_before_colon() {
        let reply =
            "Merci !\n\nLe 07/12/2026 à 14:03, Boutique a écrit:\n> Votre remboursement est fait.";
        assert_eq!(strip_reply(reply), "Merci !");
    }

    #[test]
    fn apple_mail_with_iphone_signature() {
        let reply = "Oui c'est bien la bonne adresse.\n\
            \n\
            Envoyé de mon iPhone\n\
            \n\
            > Le 7 déc. 2026 à 14:03, Boutique Amiable <contact@boutique-amiable.fr> a écrit :\n\
            >\n\
            > Pouvez-vous confirmer votre adresse ?\n";
        assert_eq!(strip_reply(reply), "Oui c'est bien la bonne adresse.");

        let english = "Yes.\n\nSent from my iPhone\n\n> On 7 Dec 2026, at 14:03, Shop <s@shop.example> wrote:\n> Is this right?";
        assert_eq!(strip_reply(english), "Yes.");
    }

    #[test]
    fn outlook_french_header_block() {
        let reply = "Bonjour,\n\
            \n\
            Je n'ai toujours pas reçu le remboursement.\n\
            \n\
            Obtenir Outlook pour Android\n\
            ________________________________\n\
            De : Boutique Amiable <contact@boutique-amiable.fr>\n\
            Envoyé : lundi 7 décembre 2026 14:03\n\
            À : Claire Martin <claire@exemple.fr>\n\
            Objet : Votre retour n° R-1042\n\
            \n\
            Bonjour Claire, nous avons bien reçu votre retour.\n";
        assert_eq!(
            strip_reply(reply),
            "Bonjour,\n\nJe n'ai toujours pas reçu le remboursement."
        );
    }

    #[test]
    fn outlook_english_header_block_and_original_message() {
        let headers = "Where is my refund?\n\
            \n\
            Get Outlook for iOS\n\
            \n\
            From: Shop <support@shop.example.com>\n\
            Sent: Monday, December 7, 2026 2:03 PM\n\
            To: Tom <tom@example.com>\n\
            Subject: Your return R-1042\n\
            \n\
            Hello Tom, we received your parcel.";
        assert_eq!(strip_reply(headers), "Where is my refund?");

        let original = "Photo attached.\n\
            \n\
            -----Original Message-----\n\
            From: Shop <support@shop.example.com>\n\
            Could you send a photo?";
        assert_eq!(strip_reply(original), "Photo attached.");

        let origine = "Photo jointe.\n\n-----Message d'origine-----\nDe : Boutique\nUne photo ?";
        assert_eq!(strip_reply(origine), "Photo jointe.");
    }

    #[test]
    fn a_lone_from_line_is_not_a_header_block() {
        let reply = "Le colis venait d'où ?\nDe : Lyon, d'après le suivi.\nMerci.";
        assert_eq!(strip_reply(reply), reply);
    }

    #[test]
    fn forwarded_messages() {
        let english = "See below, the carrier says it was delivered.\n\
            \n\
            ---------- Forwarded message ---------\n\
            From: Carrier <noreply@carrier.example>\n\
            Date: Mon, Dec 7, 2026 at 2:03 PM\n\
            Subject: Delivered";
        assert_eq!(
            strip_reply(english),
            "See below, the carrier says it was delivered."
        );
        let french =
            "Voir ci-dessous.\n\n---------- Message transféré ---------\nDe : Transporteur\nLivré.";
        assert_eq!(strip_reply(french), "Voir ci-dessous.");
    }

    #[test]
    fn signature_with_phone_number() {
        let reply = "Je suis disponible demain pour l'enlèvement.\n\
            \n\
            -- \n\
            Claire Martin\n\
            06 12 34 56 78\n\
            \n\
            Le lun. 7 déc. 2026 à 14:03, Boutique <contact@boutique.fr> a écrit :\n\
            > Quand êtes-vous disponible ?";
        assert_eq!(
            strip_reply(reply),
            "Je suis disponible demain pour l'enlèvement."
        );
    }

    #[test]
    fn mobile_signatures() {
        for signature in [
            "Envoyé de mon iPhone",
            "Envoyé depuis mon smartphone Samsung Galaxy.",
            "Sent from my iPhone",
            "Sent from my Galaxy",
            "Sent from my Android device",
            "Get Outlook for Android",
            "Obtenir Outlook pour iOS",
        ] {
            assert_eq!(strip_reply(&format!("Merci.\n\n{signature}\n")), "Merci.");
        }
        let sentence =
            "Sent from my office in Lyon, where the parcel was delivered to the wrong floor.";
        assert_eq!(strip_reply(sentence), sentence);
    }

    #[test]
    fn only_quotes_keeps_the_original() {
        let reply = "\n> Bonjour Claire,\n> Votre colis est parti.\n\n";
        assert_eq!(
            strip_reply(reply),
            "> Bonjour Claire,\n> Votre colis est parti."
        );
        let attribution_only =
            "On Mon, Dec 7, 2026 at 2:03 PM, Shop <s@shop.example> wrote:\n> Hello";
        assert_eq!(strip_reply(attribution_only), attribution_only);
    }

    #[test]
    fn trailing_quote_without_attribution() {
        assert_eq!(strip_reply("Top.\n\n> old\n> older\n"), "Top.");
    }

    #[test]
    fn inline_reply_keeps_questions_and_answers() {
        let reply = "Bonjour,\n\
            \n\
            Le lun. 7 déc. 2026 à 14:03, Boutique <contact@boutique.fr> a écrit :\n\
            > Le produit est-il déballé ?\n\
            \n\
            Oui, mais jamais utilisé.\n\
            \n\
            > Avez-vous l'emballage d'origine ?\n\
            \n\
            Oui.\n\
            \n\
            > Cordialement,\n\
            > Boutique";
        assert_eq!(
            strip_reply(reply),
            "Bonjour,\n\
             \n\
             > Le produit est-il déballé ?\n\
             \n\
             Oui, mais jamais utilisé.\n\
             \n\
             > Avez-vous l'emballage d'origine ?\n\
             \n\
             Oui."
        );
    }

    #[test]
    fn sentences_that_look_like_attributions_stay() {
        let reply = "On my side I wrote:\nthe box was open.\nLe livreur a écrit :\n« déposé chez le voisin ».";
        assert_eq!(strip_reply(reply), reply);
    }

    #[test]
    fn plain_text_is_tidied() {
        assert_eq!(
            strip_reply("\n\n  Bonjour  \r\n\r\n\r\n\r\nMerci\r\n\r\n"),
            "  Bonjour\n\nMerci"
        );
        assert_eq!(strip_reply(""), "");
    }

    #[test]
    fn automatic_emails() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("Auto-Submitted", "auto-replied")], "auto_submitted"),
            (
                &[("auto-submitted", "auto-generated; type=vacation")],
                "auto_submitted",
            ),
            (&[("X-Autoreply", "yes")], "autoreply"),
            (&[("X-Autorespond", "Out of office")], "autoreply"),
            (&[("Precedence", " Bulk ")], "precedence"),
            (&[("PRECEDENCE", "list")], "precedence"),
            (&[("Precedence", "junk")], "precedence"),
            (
                &[("X-Auto-Response-Suppress", "All")],
                "auto_response_suppress",
            ),
            (
                &[("X-Auto-Response-Suppress", "DR, RN, NRN, OOF, AutoReply")],
                "auto_response_suppress",
            ),
            (
                &[("X-Auto-Response-Suppress", "oof")],
                "auto_response_suppress",
            ),
            (&[("List-Id", "<news.shop.example>")], "mailing_list"),
            (
                &[("List-Unsubscribe", "<mailto:unsubscribe@shop.example>")],
                "mailing_list",
            ),
            (&[("Return-Path", "<>")], "bounce"),
            (&[("return-path", " < > ")], "bounce"),
        ];
        for (headers, reason) in cases {
            assert_eq!(is_automatic(headers), Some(*reason), "{headers:?}");
        }
    }

    #[test]
    fn emails_people_wrote() {
        let ordinary: &[(&str, &str)] = &[
            ("From", "Claire Martin <claire@exemple.fr>"),
            ("To", "case-1042@amiable.example"),
            ("Subject", "Re: Votre retour n° R-1042"),
            ("In-Reply-To", "<1042@amiable.example>"),
            ("Return-Path", "<claire@exemple.fr>"),
            ("Auto-Submitted", "no"),
            ("Precedence", "normal"),
            ("X-Auto-Response-Suppress", "DR, RN"),
        ];
        assert_eq!(is_automatic(ordinary), None);
        assert_eq!(is_automatic(&[("Auto-Submitted", " No ")]), None);
        assert_eq!(is_automatic(&[]), None);
    }

    #[test]
    fn checks_follow_a_fixed_order() {
        let headers = [("List-Id", "<l>"), ("Auto-Submitted", "auto-generated")];
        assert_eq!(is_automatic(&headers), Some("auto_submitted"));
    }
}
