//! Language negotiation and the translation of problem documents.
//!
//! Handlers and the domain speak English; a problem document's `title`,
//! `detail` and per-field `message` are rewritten in the client's language
//! at the edge, from the stable `code` of each error. A code missing from the
//! catalog keeps its English text (and the test `catalog_is_complete` fails).

use crate::Lang;
use serde_json::Value;

/// The standard reason phrase of an HTTP status (RFC 9110 §15).
fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// The title of an HTTP status. English titles are the standard reason
/// phrases, as `Problem::new` writes them.
pub fn title(status: u16, lang: Lang) -> &'static str {
    let english = reason_phrase(status);
    match lang {
        Lang::En => english.unwrap_or("Error"),
        Lang::Fr => match status {
            400 => "Requête invalide",
            401 => "Authentification requise",
            403 => "Accès refusé",
            404 => "Introuvable",
            405 => "Méthode non autorisée",
            406 => "Format de réponse non disponible",
            408 => "Délai d’attente dépassé",
            409 => "Conflit",
            410 => "Ressource supprimée",
            412 => "Condition préalable non remplie",
            413 => "Contenu trop volumineux",
            415 => "Type de contenu non pris en charge",
            422 => "Données invalides",
            428 => "Condition préalable requise",
            429 => "Trop de requêtes",
            500 => "Erreur interne du serveur",
            502 => "Erreur de passerelle",
            503 => "Service indisponible",
            504 => "Délai de passerelle dépassé",
            _ if (400..500).contains(&status) => "Requête refusée",
            _ => "Erreur du serveur",
        },
    }
}

/// The human message of a stable error code, or `None` for an unknown code.
///
/// A linear search: the catalog is about a hundred entries and is read only
/// for error responses.
pub fn problem_message(code: &str, lang: Lang) -> Option<&'static str> {
    CATALOG
        .iter()
        .find(|(known, _, _)| *known == code)
        .map(|(_, en, fr)| match lang {
            Lang::En => *en,
            Lang::Fr => *fr,
        })
}

/// Rewrites a problem document for `lang`: the `title` from `status`, and in
/// French the `detail` and each `errors[].message` from their `code` when
/// the catalog knows it. English `detail` and messages are left as written
/// (they often carry specifics, such as the current version). `type`,
/// `code`, `field`, `status` and extra members are never touched.
pub fn translate_problem(body: &mut Value, lang: Lang) {
    let Some(problem) = body.as_object_mut() else {
        return;
    };
    if let Some(status) = problem
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
    {
        problem.insert("title".into(), title(status, lang).into());
    }
    if lang == Lang::En {
        return;
    }
    if let Some(message) = problem
        .get("code")
        .and_then(Value::as_str)
        .and_then(|code| problem_message(code, lang))
    {
        problem.insert("detail".into(), message.into());
    }
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(message) = error
                .get("code")
                .and_then(Value::as_str)
                .and_then(|code| problem_message(code, lang))
            {
                error.insert("message".into(), message.into());
            }
        }
    }
}

/// (code, English, French). French follows docs GLOSSARY.md: a case is a
/// *dossier*, store credit an *avoir*, the buyer is addressed as *vous*; a
/// no-break space (U+00A0) precedes `:` and `%`.
pub const CATALOG: &[(&str, &str, &str)] = &[
    // Requests and routing
    (
        "route.not_found",
        "There is nothing at this address.",
        "Cette adresse ne correspond à aucune ressource.",
    ),
    (
        "route.method_not_allowed",
        "This address does not accept this HTTP method.",
        "Cette adresse n’accepte pas cette méthode HTTP.",
    ),
    (
        "request.unsupported_media_type",
        "Send the request body as JSON (Content-Type: application/json).",
        "Envoyez le corps de la requête au format JSON (Content-Type\u{a0}: application/json).",
    ),
    (
        "body.unsupported_media_type",
        "Send the request body as JSON (Content-Type: application/json).",
        "Envoyez le corps de la requête au format JSON (Content-Type\u{a0}: application/json).",
    ),
    (
        "request.too_large",
        "The request body is too large.",
        "Le corps de la requête est trop volumineux.",
    ),
    (
        "body.too_large",
        "The request body is too large.",
        "Le corps de la requête est trop volumineux.",
    ),
    (
        "request.unreadable",
        "The request body could not be read.",
        "Le corps de la requête n’a pas pu être lu.",
    ),
    (
        "request.malformed_json",
        "The request body is not valid JSON.",
        "Le corps de la requête n’est pas un JSON valide.",
    ),
    (
        "body.invalid_json",
        "The request body is not valid JSON.",
        "Le corps de la requête n’est pas un JSON valide.",
    ),
    (
        "query.invalid",
        "The query parameters are not valid.",
        "Les paramètres de la requête ne sont pas valides.",
    ),
    (
        "cursor.invalid",
        "The pagination cursor is not valid or has expired.",
        "Le curseur de pagination n’est pas valide ou a expiré.",
    ),
    (
        "validation.failed",
        "Some fields are not valid. See the details for each of them.",
        "Certains champs ne sont pas valides. Consultez le détail pour chacun d’eux.",
    ),
    (
        "field.missing",
        "This field is required.",
        "Ce champ est obligatoire.",
    ),
    (
        "field.required",
        "This field is required.",
        "Ce champ est obligatoire.",
    ),
    (
        "field.unknown",
        "This field is not recognised.",
        "Ce champ n’est pas reconnu.",
    ),
    (
        "field.unknown_value",
        "This value is not one of the accepted values.",
        "Cette valeur ne fait pas partie des valeurs acceptées.",
    ),
    (
        "field.invalid",
        "This value is not valid.",
        "Cette valeur n’est pas valide.",
    ),
    (
        "field.type",
        "This value does not have the expected type.",
        "Cette valeur n’est pas du type attendu.",
    ),
    (
        "rate_limited",
        "Too many requests. Please wait a moment and try again.",
        "Trop de requêtes. Veuillez patienter quelques instants avant de réessayer.",
    ),
    (
        "internal",
        "An internal error occurred and has been logged. Please try again later.",
        "Une erreur interne est survenue et a été enregistrée. Veuillez réessayer plus tard.",
    ),
    (
        "unavailable",
        "The service is temporarily unavailable. Please try again shortly.",
        "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
    ),
    (
        "policy.window_invalid",
        "The return window must be from 1 to 3650 days.",
        "Le délai de retour doit être compris entre 1 et 3650 jours.",
    ),
    (
        "policy.label_expiry_invalid",
        "A return label must stay valid from 1 to 365 days.",
        "L’étiquette de retour doit rester valable entre 1 et 365 jours.",
    ),
    (
        "policy.percent_invalid",
        "A percentage cannot exceed 100.",
        "Un pourcentage ne peut pas dépasser 100.",
    ),
    (
        "policy.no_resolution",
        "Allow at least one resolution (refund, store credit, exchange…).",
        "Autorisez au moins une solution (remboursement, avoir, échange…).",
    ),
    (
        "policy.below_operator_minimum",
        "This policy is less generous than the marketplace’s minimum policy.",
        "Cette politique est moins favorable que la politique minimale de la place de marché.",
    ),
    (
        "operator.unknown_rules_pack",
        "This rules pack is not known to this version of amiable.",
        "Ce corpus de règles n’est pas connu de cette version d’amiable.",
    ),
    (
        "mediator.name_required",
        "Enter the mediator's name.",
        "Saisissez le nom du médiateur.",
    ),
    (
        "mediator.website_invalid",
        "Enter an address starting with https:// (or http://).",
        "Saisissez une adresse commençant par https:// (ou http://).",
    ),
    (
        "mediator.email_invalid",
        "This email address is not valid.",
        "Cette adresse e-mail n’est pas valable.",
    ),
    (
        "request.timeout",
        "The request took too long and was stopped. Please try again.",
        "La requête a pris trop de temps et a été interrompue. Veuillez réessayer.",
    ),
    (
        "database.unavailable",
        "The service is temporarily unavailable. Please try again shortly.",
        "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
    ),
    // Authentication and access
    (
        "auth.required",
        "Please sign in to continue.",
        "Veuillez vous connecter pour continuer.",
    ),
    (
        "auth.invalid_credentials",
        "The email address or password is incorrect.",
        "L’adresse e-mail ou le mot de passe est incorrect.",
    ),
    (
        "auth.invalid_token",
        "The access token is not valid.",
        "Le jeton d’accès n’est pas valide.",
    ),
    (
        "auth.token_expired",
        "Your session has expired. Please sign in again.",
        "Votre session a expiré. Veuillez vous reconnecter.",
    ),
    (
        "auth.csrf_failed",
        "The form has expired. Please reload the page and try again.",
        "Le formulaire a expiré. Veuillez recharger la page, puis réessayer.",
    ),
    (
        "auth.forbidden",
        "You do not have permission to do this.",
        "Vous n’avez pas l’autorisation d’effectuer cette action.",
    ),
    (
        "apikey.revoked",
        "This API key has been revoked.",
        "Cette clé d’API a été révoquée.",
    ),
    (
        "apikey.not_found",
        "This API key does not exist.",
        "Cette clé d’API est introuvable.",
    ),
    (
        "password.too_short",
        "This password is too short.",
        "Ce mot de passe est trop court.",
    ),
    (
        "user.operator_role_has_no_merchant",
        "A marketplace operator role is not tied to a merchant.",
        "Un rôle de l’opérateur de la plateforme n’est rattaché à aucun marchand.",
    ),
    (
        "user.role_out_of_reach",
        "You cannot give this role. A merchant can only create merchant users.",
        "Vous ne pouvez pas attribuer ce rôle. Un marchand ne peut créer que des utilisateurs marchands.",
    ),
    (
        "buyer.lookup_failed",
        "We could not find an order with this order number and email address.",
        "Nous n’avons trouvé aucune commande correspondant à ce numéro et à cette adresse e-mail.",
    ),
    // Idempotency
    (
        "idempotency.key_invalid",
        "The Idempotency-Key header is not valid.",
        "L’en-tête Idempotency-Key n’est pas valide.",
    ),
    (
        "idempotency.key_reused",
        "This Idempotency-Key was already used for a different request.",
        "Cette clé d’idempotence (Idempotency-Key) a déjà été utilisée pour une autre requête.",
    ),
    (
        "idempotency.in_progress",
        "A request with this Idempotency-Key is still being processed. Please try again shortly.",
        "Une requête avec cette clé d’idempotence est encore en cours de traitement. Veuillez réessayer dans quelques instants.",
    ),
    // Not found and duplicates
    (
        "case.not_found",
        "This case does not exist.",
        "Ce dossier est introuvable.",
    ),
    (
        "order.not_found",
        "This order does not exist.",
        "Cette commande est introuvable.",
    ),
    (
        "merchant.not_found",
        "This merchant does not exist.",
        "Ce marchand est introuvable.",
    ),
    (
        "operator.not_found",
        "This marketplace operator does not exist.",
        "Cet opérateur est introuvable.",
    ),
    (
        "user.not_found",
        "This user does not exist.",
        "Cet utilisateur est introuvable.",
    ),
    (
        "attachment.not_found",
        "This attachment does not exist.",
        "Cette pièce jointe est introuvable.",
    ),
    (
        "offer.not_found",
        "This offer does not exist.",
        "Cette proposition est introuvable.",
    ),
    (
        "order.duplicate_in_request",
        "This order number appears more than once in the request.",
        "Ce numéro de commande figure plusieurs fois dans la requête.",
    ),
    (
        "order.duplicate",
        "This order already exists.",
        "Cette commande existe déjà.",
    ),
    (
        "saved_views.duplicate",
        "You already keep the most saved views allowed (20).",
        "Vous avez déjà le nombre maximal de vues enregistrées (20).",
    ),
    (
        "merchant.duplicate",
        "This merchant already exists.",
        "Ce marchand existe déjà.",
    ),
    (
        "user.duplicate",
        "A user with this email address already exists.",
        "Un utilisateur existe déjà avec cette adresse e-mail.",
    ),
    (
        "operator.duplicate",
        "This marketplace operator already exists.",
        "Cet opérateur existe déjà.",
    ),
    // Text, identifiers, contact details
    (
        "text.empty",
        "This field must not be empty.",
        "Ce champ ne doit pas être vide.",
    ),
    (
        "text.too_long",
        "This text is too long.",
        "Ce texte est trop long.",
    ),
    (
        "text.control_character",
        "This text contains control characters, which are not allowed.",
        "Ce texte contient des caractères de contrôle, qui ne sont pas autorisés.",
    ),
    (
        "key.empty",
        "This identifier must not be empty.",
        "Cet identifiant ne doit pas être vide.",
    ),
    (
        "key.too_long",
        "This identifier is too long.",
        "Cet identifiant est trop long.",
    ),
    (
        "key.invalid_character",
        "This identifier may contain only letters, digits and . _ : / # -",
        "Cet identifiant ne peut contenir que des lettres, des chiffres et les caractères . _ : / # -",
    ),
    (
        "id.invalid",
        "This identifier is not a valid UUID.",
        "Cet identifiant n’est pas un UUID valide.",
    ),
    (
        "email.invalid",
        "This email address is not valid.",
        "Cette adresse e-mail n’est pas valide.",
    ),
    (
        "phone.invalid",
        "This phone number is not valid. It must have 6 to 20 digits.",
        "Ce numéro de téléphone n’est pas valide. Il doit comporter de 6 à 20 chiffres.",
    ),
    (
        "locale.unsupported",
        "Only French (fr) and English (en) are supported.",
        "Seuls le français (fr) et l’anglais (en) sont pris en charge.",
    ),
    (
        "time.invalid",
        "This date must be an RFC 3339 date-time with a time zone offset, e.g. 2026-11-22T14:30:00Z.",
        "Cette date doit être au format RFC 3339 avec un décalage horaire, par exemple 2026-11-22T14:30:00Z.",
    ),
    // Money
    (
        "currency.unknown",
        "Unknown currency. Use a three-letter ISO 4217 code such as EUR.",
        "Devise inconnue. Indiquez un code ISO 4217 à trois lettres, par exemple EUR.",
    ),
    (
        "money.not_positive",
        "The amount must be greater than zero.",
        "Le montant doit être supérieur à zéro.",
    ),
    (
        "money.negative",
        "The amount must not be negative.",
        "Le montant ne peut pas être négatif.",
    ),
    (
        "money.overflow",
        "The amount is too large.",
        "Le montant est trop élevé.",
    ),
    (
        "money.currency_mismatch",
        "The amount must be in the order’s currency.",
        "Le montant doit être exprimé dans la devise de la commande.",
    ),
    // Orders and shipments
    (
        "order.no_lines",
        "An order needs at least one line.",
        "Une commande doit comporter au moins une ligne.",
    ),
    (
        "order.too_many_lines",
        "This order has too many lines.",
        "Cette commande comporte trop de lignes.",
    ),
    (
        "line.duplicate",
        "Each line of an order needs its own identifier.",
        "Chaque ligne de la commande doit avoir un identifiant distinct.",
    ),
    (
        "line.unknown_flag",
        "Unknown line flag. Use personalised, perishable, sealed_hygiene, second_hand or digital.",
        "Caractéristique de ligne inconnue. Utilisez personalised, perishable, sealed_hygiene, second_hand ou digital.",
    ),
    (
        "quantity.not_positive",
        "The quantity must be at least 1.",
        "La quantité doit être d’au moins 1.",
    ),
    (
        "quantity.too_large",
        "The quantity is too large.",
        "La quantité est trop élevée.",
    ),
    (
        "payment.unknown_provider",
        "Unknown payment provider. Use paypal, stripe, card, bank_transfer or other.",
        "Prestataire de paiement inconnu. Utilisez paypal, stripe, card, bank_transfer ou other.",
    ),
    (
        "shipment.no_lines",
        "A shipment needs at least one line.",
        "Une expédition doit comporter au moins une ligne.",
    ),
    (
        "shipment.unknown_line",
        "This shipment refers to a line that is not in the order.",
        "Cette expédition mentionne une ligne absente de la commande.",
    ),
    (
        "shipment.more_than_ordered",
        "More items are shipped than were ordered.",
        "La quantité expédiée dépasse la quantité commandée.",
    ),
    (
        "shipment.shipped_before_placed",
        "The shipping date cannot be before the order date.",
        "La date d’expédition ne peut pas précéder la date de commande.",
    ),
    (
        "shipment.delivered_before_shipped",
        "The delivery date cannot be before the shipping date.",
        "La date de livraison ne peut pas précéder la date d’expédition.",
    ),
    // Reasons
    ("reason.unknown", "Unknown reason.", "Motif inconnu."),
    (
        "reason.duplicate",
        "This reason code already exists.",
        "Ce code de motif existe déjà.",
    ),
    (
        "reason.builtin_exists",
        "Built-in reasons cannot be redefined.",
        "Les motifs prédéfinis ne peuvent pas être redéfinis.",
    ),
    (
        "reason.unknown_parent",
        "The parent reason does not exist.",
        "Le motif parent n’existe pas.",
    ),
    // Cases
    (
        "case.already_exists",
        "This case already exists.",
        "Ce dossier existe déjà.",
    ),
    (
        "case.invalid_status",
        "This action is not possible in the case’s current status.",
        "Cette action n’est pas possible dans l’état actuel du dossier.",
    ),
    (
        "case.party_not_allowed",
        "You cannot take this action on this case.",
        "Vous ne pouvez pas effectuer cette action sur ce dossier.",
    ),
    (
        "case.order_required",
        "The order of this case is missing.",
        "La commande associée à ce dossier est introuvable.",
    ),
    (
        "case.open_via_cases",
        "A case is opened with POST /api/v1/cases, not with a command.",
        "Un dossier s’ouvre avec POST /api/v1/cases, et non par une commande.",
    ),
    (
        "case.version_conflict",
        "The case has changed in the meantime. Please reload it and try again.",
        "Le dossier a été modifié entre-temps. Veuillez le recharger, puis réessayer.",
    ),
    (
        "case.version_required",
        "State the version of the case you are changing.",
        "Indiquez la version du dossier que vous modifiez.",
    ),
    (
        "case.version_invalid",
        "The case version is not valid. Versions start at 1.",
        "La version du dossier n’est pas valide. Les versions commencent à 1.",
    ),
    (
        "case.stage_not_allowed",
        "Only a payment dispute can be opened beyond the negotiation stage.",
        "Seul un litige de paiement peut être ouvert au-delà de l’étape de négociation.",
    ),
    (
        "case.items_required",
        "A return must list the items sent back.",
        "Une demande de retour doit indiquer les articles renvoyés.",
    ),
    (
        "case.unknown_line",
        "This item is not in the order.",
        "Cet article ne figure pas dans la commande.",
    ),
    (
        "case.duplicate_line",
        "Each item may appear only once.",
        "Chaque article ne peut figurer qu’une seule fois.",
    ),
    (
        "case.quantity_exceeds_order",
        "The quantity is more than was ordered.",
        "La quantité dépasse la quantité commandée.",
    ),
    (
        "case.amount_exceeds_order",
        "The amount must not exceed the order total.",
        "Le montant ne peut pas dépasser le total de la commande.",
    ),
    (
        "escalation.not_higher",
        "A case can only move up to a higher stage.",
        "Un dossier ne peut passer qu’à une étape supérieure.",
    ),
    // Offers, resolutions and decisions
    (
        "offer.not_pending",
        "This offer is no longer awaiting an answer.",
        "Cette proposition n’est plus en attente de réponse.",
    ),
    (
        "offer.not_addressed_to_you",
        "This offer is not addressed to you.",
        "Cette proposition ne vous est pas adressée.",
    ),
    (
        "offer.operator_needs_mediation",
        "The marketplace can propose terms only once the case is in mediation.",
        "La plateforme ne peut faire de proposition qu’à partir de l’étape de médiation.",
    ),
    (
        "offer.kind_not_offerable",
        "A refusal or a withdrawn claim cannot be proposed as an offer.",
        "Un refus ou un abandon de réclamation ne peut pas faire l’objet d’une proposition.",
    ),
    (
        "resolution.buyer_can_only_withdraw",
        "You can close this case by withdrawing your claim or by accepting an offer.",
        "Vous pouvez clore ce dossier en abandonnant votre réclamation ou en acceptant une proposition.",
    ),
    (
        "resolution.only_buyer_withdraws",
        "Only the buyer can withdraw a claim.",
        "Seul l’acheteur peut abandonner sa réclamation.",
    ),
    (
        "resolution.refusal_reserved_to_arbiter",
        "In arbitration, only the arbiter can refuse the claim.",
        "En arbitrage, seul l’arbitre peut rejeter la réclamation.",
    ),
    (
        "resolution.amount_required",
        "This resolution needs an amount.",
        "Cette résolution nécessite un montant.",
    ),
    (
        "resolution.amount_not_allowed",
        "A refusal or a withdrawn claim has no amount.",
        "Un refus ou un abandon de réclamation ne comporte pas de montant.",
    ),
    (
        "resolution.bonus_only_for_store_credit",
        "Only store credit can carry a bonus.",
        "Seul un avoir peut être majoré.",
    ),
    (
        "resolution.bonus_too_large",
        "The bonus must be between 0% and 100%.",
        "La majoration doit être comprise entre 0\u{a0}% et 100\u{a0}%.",
    ),
    (
        "resolution.goodwill_kind_required",
        "Choose the goodwill gesture: voucher, shipping refund or gift.",
        "Précisez le geste commercial\u{a0}: bon d’achat, remboursement des frais de port ou cadeau.",
    ),
    (
        "resolution.goodwill_only_for_goodwill",
        "A goodwill kind is given only for a goodwill gesture.",
        "Le type de geste commercial ne s’indique que pour un geste commercial.",
    ),
    (
        "resolution.ground_required",
        "A refusal must state its grounds.",
        "Un refus doit être motivé.",
    ),
    (
        "decision.wrong_stage",
        "A decision is recorded only in arbitration or by an external body.",
        "Une décision ne s’enregistre qu’en arbitrage ou par un organisme extérieur.",
    ),
    (
        "decision.outcome_mismatch",
        "The outcome of the decision does not match its terms.",
        "L’issue de la décision ne correspond pas à ses conditions.",
    ),
    // Attachments
    (
        "attachment.invalid_hash",
        "The attachment’s SHA-256 must be 64 lower-case hexadecimal digits.",
        "L’empreinte SHA-256 de la pièce jointe doit comporter 64 chiffres hexadécimaux en minuscules.",
    ),
    (
        "attachment.empty",
        "The attachment is empty.",
        "La pièce jointe est vide.",
    ),
    (
        "attachment.too_large",
        "The file is too large.",
        "Le fichier est trop volumineux.",
    ),
    (
        "attachment.type_not_allowed",
        "This type of file is not accepted.",
        "Ce type de fichier n’est pas accepté.",
    ),
    (
        "attachment.missing_file",
        "No file was attached.",
        "Aucun fichier n’a été joint.",
    ),
    (
        "address.city_invalid",
        "The city is missing or invalid.",
        "La ville est absente ou invalide.",
    ),
    (
        "address.country_invalid",
        "The country must be a two-letter code such as FR.",
        "Le pays doit être un code à deux lettres, par exemple FR.",
    ),
    (
        "address.line_invalid",
        "An address line is empty or too long.",
        "Une ligne d’adresse est vide ou trop longue.",
    ),
    (
        "address.lines_invalid",
        "An address has one to three lines.",
        "Une adresse compte une à trois lignes.",
    ),
    (
        "address.name_invalid",
        "The name on the address is empty or too long.",
        "Le nom de l’adresse est vide ou trop long.",
    ),
    (
        "address.postal_code_invalid",
        "The postal code is missing or too long.",
        "Le code postal est absent ou trop long.",
    ),
    (
        "case.money_moved",
        "Money was refunded on this case: resolve it instead of cancelling it.",
        "Un remboursement a été effectué sur ce dossier : clôturez-le plutôt que de l’annuler.",
    ),
    (
        "case.preferred_only_for_returns",
        "Only a return names a preferred resolution.",
        "Seul un retour indique une solution souhaitée.",
    ),
    (
        "exchange.lines_required",
        "Name what is sent in exchange.",
        "Indiquez ce qui est envoyé en échange.",
    ),
    (
        "exchange.quantity_exceeds_return",
        "More items are exchanged than were returned.",
        "Plus d’articles sont échangés que d’articles retournés.",
    ),
    (
        "label.carrier_unavailable",
        "The carrier could not book the return shipment; try again later.",
        "Le transporteur n’a pas pu enregistrer l’envoi retour ; réessayez plus tard.",
    ),
    (
        "label.carrier_invalid",
        "The carrier returned an unusable answer.",
        "Le transporteur a renvoyé une réponse inutilisable.",
    ),
    (
        "label.expired",
        "A label must expire in the future.",
        "Une étiquette doit expirer dans le futur.",
    ),
    (
        "label.invalid_parcel",
        "From 1 to 20 parcels, of some weight.",
        "De 1 à 20 colis, d’un poids non nul.",
    ),
    (
        "label.invalid_weight",
        "The weight must be between 1 g and 70 kg.",
        "Le poids doit être compris entre 1 g et 70 kg.",
    ),
    (
        "label.not_expired",
        "The label is still valid.",
        "L’étiquette est encore valable.",
    ),
    (
        "label.not_found",
        "This return has no label.",
        "Ce retour n’a pas d’étiquette.",
    ),
    (
        "label.return_address_missing",
        "The merchant has no return address: set it in the merchant’s settings.",
        "Le vendeur n’a pas d’adresse de retour : renseignez-la dans ses réglages.",
    ),
    (
        "label.return_not_authorised",
        "A label is issued only for an authorised return.",
        "Une étiquette n’est émise que pour un retour autorisé.",
    ),
    (
        "label.returnless",
        "The buyer keeps the items: no label is needed.",
        "L’acheteur conserve les articles : aucune étiquette n’est nécessaire.",
    ),
    (
        "label.size_invalid",
        "The label size is a6 or a4.",
        "Le format de l’étiquette est a6 ou a4.",
    ),
    (
        "label.unprintable",
        "This label cannot be printed (RMA number or content invalid).",
        "Cette étiquette ne peut pas être imprimée (numéro de retour ou contenu invalide).",
    ),
    (
        "refund.exceeds_refundable",
        "The amount is more than what remains refundable on this order.",
        "Le montant dépasse ce qui reste remboursable sur cette commande.",
    ),
    (
        "refund.not_found",
        "No such refund on this case.",
        "Aucun remboursement de ce numéro sur ce dossier.",
    ),
    (
        "refund.not_pending",
        "This refund is not waiting for the payment provider.",
        "Ce remboursement n’est pas en attente du prestataire de paiement.",
    ),
    (
        "reminder.nothing_due",
        "This case has no legal refund deadline.",
        "Ce dossier n’a pas de délai légal de remboursement.",
    ),
    (
        "return.already_returned",
        "Every unit of this line is already in another return.",
        "Toutes les unités de cette ligne font déjà l’objet d’un autre retour.",
    ),
    (
        "return.deductions_exceed_value",
        "The deductions exceed what came back.",
        "Les retenues dépassent la valeur de ce qui a été retourné.",
    ),
    (
        "return.deductions_on_compliant",
        "A compliant line has no deductions.",
        "Une ligne conforme ne fait l’objet d’aucune retenue.",
    ),
    (
        "return.invalid_stage",
        "This action is not possible at this step of the return.",
        "Cette action n’est pas possible à cette étape du retour.",
    ),
    (
        "return.line_not_in_return",
        "This line is not in the return.",
        "Cette ligne ne fait pas partie du retour.",
    ),
    (
        "return.line_not_received",
        "This line was not received.",
        "Cette ligne n’a pas été réceptionnée.",
    ),
    (
        "return.lines_required",
        "Name at least one line.",
        "Indiquez au moins une ligne.",
    ),
    (
        "return.not_a_return",
        "This case is not a return.",
        "Ce dossier n’est pas un retour.",
    ),
    (
        "return.not_returnable",
        "This item cannot be returned.",
        "Cet article ne peut pas être retourné.",
    ),
    (
        "return.quantity_exceeds_delivered",
        "More items than were delivered.",
        "Plus d’articles que n’en ont été livrés.",
    ),
    (
        "return.quantity_exceeds_returnable",
        "More items than can still be returned.",
        "Plus d’articles que ce qui peut encore être retourné.",
    ),
    (
        "return.received_exceeds_returned",
        "More items received than were to come back.",
        "Plus d’articles réceptionnés que d’articles attendus.",
    ),
    (
        "return.resolution_not_allowed",
        "The merchant does not offer this resolution.",
        "Le vendeur ne propose pas cette solution.",
    ),
    (
        "return.returnless",
        "The buyer keeps the items: nothing to receive.",
        "L’acheteur conserve les articles : rien à réceptionner.",
    ),
    (
        "return.window_closed",
        "The return period for this item is over.",
        "Le délai de retour de cet article est dépassé.",
    ),
    (
        "tracking.in_the_future",
        "A scan cannot be in the future.",
        "Un scan ne peut pas être daté dans le futur.",
    ),
    (
        "compensation.exceeds_order",
        "All compensation on an order cannot exceed what the buyer paid.",
        "Le total des gestes commerciaux d’une commande ne peut dépasser ce que l’acheteur a payé.",
    ),
    (
        "policy.too_many_categories",
        "At most 100 non-returnable categories.",
        "Au plus 100 catégories non retournables.",
    ),
    (
        "policy.category_invalid",
        "A category has 1 to 100 characters.",
        "Une catégorie compte de 1 à 100 caractères.",
    ),
    (
        "policy.too_many_resolutions",
        "At most 20 resolutions.",
        "Au plus 20 solutions.",
    ),
    (
        "refund.exceeds_case_value",
        "The amount is more than this case can still give back.",
        "Le montant dépasse ce que ce dossier peut encore rembourser.",
    ),
    (
        "return.buyer_consent_required",
        "A withdrawal is refunded by the original means of payment unless the buyer chose otherwise.",
        "Une rétractation est remboursée par le moyen de paiement initial, sauf accord exprès de l’acheteur.",
    ),
    (
        "resolution.money_command_required",
        "Resolve a return with a refund, store credit or exchange.",
        "Clôturez un retour par un remboursement, un avoir ou un échange.",
    ),
    (
        "order.capture_below_refunded",
        "The captured amount cannot fall below what was already refunded.",
        "Le montant encaissé ne peut pas être inférieur à ce qui a déjà été remboursé.",
    ),
    (
        "return.not_delivered",
        "This item was not delivered: the guarantee of conformity starts at delivery.",
        "Cet article n’a pas été livré : la garantie de conformité court à compter de la livraison.",
    ),
    (
        "return.guarantee_expired",
        "The legal guarantee of conformity (2 years from delivery) is over.",
        "La garantie légale de conformité (2 ans à compter de la livraison) a expiré.",
    ),
    (
        "refund.gateway_owned",
        "This refund is executed by a payment gateway: only the gateway settles or fails it.",
        "Ce remboursement est exécuté par un prestataire de paiement : lui seul le confirme ou le déclare en échec.",
    ),
    (
        "exchange.after_money_moved",
        "This case already gave money or goods back: no exchange now.",
        "Ce dossier a déjà donné lieu à un remboursement ou un échange : plus d’échange possible.",
    ),
    (
        "resolution.use_refuse_return",
        "Refuse a return with the refusal of the return, stating its ground.",
        "Refusez un retour par le refus du retour, motif à l’appui.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    #[test]
    fn titles() {
        assert_eq!(title(404, Lang::En), "Not Found");
        assert_eq!(title(422, Lang::En), "Unprocessable Entity");
        assert_eq!(title(422, Lang::Fr), "Données invalides");
        assert_eq!(title(415, Lang::Fr), "Type de contenu non pris en charge");
        assert_eq!(title(418, Lang::Fr), "Requête refusée");
        assert_eq!(title(599, Lang::Fr), "Erreur du serveur");
        assert_eq!(title(599, Lang::En), "Error");
        for status in [400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503] {
            assert_ne!(title(status, Lang::En), "Error", "{status}");
        }
    }

    fn sample() -> Value {
        json!({
            "type": "urn:amiable:problem:validation.failed",
            "title": "Unprocessable Entity",
            "status": 422,
            "detail": "2 fields are invalid",
            "code": "validation.failed",
            "errors": [
                {"field": "items[0].quantity", "code": "case.quantity_exceeds_order", "message": "1 ordered"},
                {"field": "extra", "code": "not.in_catalog", "message": "kept as is"}
            ],
            "current_version": 3
        })
    }

    #[test]
    fn translates_a_problem_into_french() {
        let mut body = sample();
        translate_problem(&mut body, Lang::Fr);
        assert_eq!(
            body,
            json!({
                "type": "urn:amiable:problem:validation.failed",
                "title": "Données invalides",
                "status": 422,
                "detail": "Certains champs ne sont pas valides. Consultez le détail pour chacun d’eux.",
                "code": "validation.failed",
                "errors": [
                    {"field": "items[0].quantity", "code": "case.quantity_exceeds_order", "message": "La quantité dépasse la quantité commandée."},
                    {"field": "extra", "code": "not.in_catalog", "message": "kept as is"}
                ],
                "current_version": 3
            })
        );
    }

    #[test]
    fn english_only_normalises_the_title() {
        let mut body = sample();
        body["title"] = json!("Bad Request");
        translate_problem(&mut body, Lang::En);
        let mut expected = sample();
        expected["title"] = json!("Unprocessable Entity");
        assert_eq!(body, expected);
    }

    #[test]
    fn unknown_code_keeps_its_detail() {
        let mut body = json!({"status": 409, "code": "brand.new", "detail": "as written"});
        translate_problem(&mut body, Lang::Fr);
        assert_eq!(
            body,
            json!({"status": 409, "title": "Conflit", "code": "brand.new", "detail": "as written"})
        );
        let mut not_an_object = json!("text");
        translate_problem(&mut not_an_object, Lang::Fr);
        assert_eq!(not_an_object, json!("text"));
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let mut seen = BTreeSet::new();
        for (code, en, fr) in CATALOG {
            assert!(seen.insert(code), "{code} appears twice");
            assert!(!en.trim().is_empty() && !fr.trim().is_empty(), "{code}");
            assert_ne!(en, fr, "{code} is not translated");
            for (lang, message) in [(Lang::En, en), (Lang::Fr, fr)] {
                assert!(
                    message.ends_with(['.', '-']),
                    "{code} ({lang:?}) is a sentence"
                );
                assert_eq!(problem_message(code, lang), Some(*message));
            }
            // French typography: a no-break space before a colon (a listed character, " : /", is
            // not a colon of the sentence) or a percent sign, and no straight apostrophe.
            let plain_space_colon = fr
                .split(" : ")
                .skip(1)
                .any(|rest| rest.starts_with(char::is_alphabetic));
            assert!(
                !plain_space_colon && !fr.contains(" %") && !fr.contains('\''),
                "{code}: {fr}"
            );
        }
    }

    /// Codes that handlers being written now will produce.
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
            assert!(problem_message(code, Lang::Fr).is_some(), "{code}");
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
            .filter(|code| {
                Lang::ALL
                    .iter()
                    .any(|lang| problem_message(code, *lang).is_none())
            })
            .collect();
        assert!(missing.is_empty(), "add to i18n::CATALOG: {missing:?}");
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
            // 1. FieldError::new( / Problem::new(
            if (ident(i, "FieldError") || ident(i, "Problem"))
                && punct(i + 1, ':')
                && punct(i + 2, ':')
                && ident(i + 3, "new")
                && punct(i + 4, '(')
            {
                let args = arguments(&tokens, i + 4);
                if let Some([Token::Str(code)]) = args.get(1).map(Vec::as_slice) {
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
