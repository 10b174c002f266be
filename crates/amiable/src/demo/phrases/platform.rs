//! What the marketplace's mediators and the payment providers write, and the
//! staff's internal notes.

use super::Voice;
use crate::demo::catalog::{MEDIATOR_NAME, MEDIATOR_WEBSITE};
use crate::demo::texts::{Lang, money};

// ---- The marketplace's mediator --------------------------------------

/// The mediator joins the case.
pub(crate) fn mediator_joins(v: &Voice, reason: &str) -> String {
    let ask = match reason {
        r if r.starts_with("not_received") => v.t(
            format!(
                "Je demande à {} de me transmettre la preuve de livraison fournie par {}, et à {} de me confirmer l'adresse de livraison.",
                v.shop, v.carrier, v.civil
            ),
            format!(
                "I am asking {} for the proof of delivery from {}, and {} to confirm the delivery address.",
                v.shop, v.carrier, v.civil
            ),
        ),
        "late_delivery" => v.t(
            format!(
                "Je demande à {} de me transmettre la date d'expédition et l'historique de suivi {}.",
                v.shop, v.carrier
            ),
            format!(
                "I am asking {} for the shipping date and the {} tracking history.",
                v.shop, v.carrier
            ),
        ),
        r if r.starts_with("damaged_in_transit") => v.t(
            format!(
                "{}, pourriez-vous me transmettre vos photos du colis et de l'article ? Je demande à {} de me communiquer la réclamation déposée auprès de {}.",
                v.civil, v.shop, v.carrier
            ),
            format!(
                "{}, could you send me your photos of the parcel and the item? I am asking {} for the claim filed with {}.",
                v.civil, v.shop, v.carrier
            ),
        ),
        r if r.starts_with("changed_mind") => v.t(
            format!(
                "Je demande à {} de me transmettre ses conditions générales de vente et les photos de l'article, et à {} de me préciser la date de réception du colis.",
                v.shop, v.civil
            ),
            format!(
                "I am asking {} for their terms of sale and photos of the item, and {} to tell me when the parcel arrived.",
                v.shop, v.civil
            ),
        ),
        _ => v.t(
            format!(
                "{}, pourriez-vous me transmettre des photos de l'article ? Je demande à {} de me communiquer la fiche produit telle qu'elle était affichée lors de la commande.",
                v.civil, v.shop
            ),
            format!(
                "{}, could you send me photos of the item? I am asking {} for the product page as it was shown when you ordered.",
                v.civil, v.shop
            ),
        ),
    };
    v.signed_by_mediator(v.t(
        format!(
            "{}, je prends en charge ce dossier concernant la commande {} du {}. Mon rôle est de vous aider à trouver une solution amiable, en toute neutralité.\n{ask}\nJe reviens vers vous sous 5 jours ouvrés.",
            v.as_mediator(),
            v.order_ref,
            v.placed
        ),
        format!(
            "{}, I am taking over this case about order {} of {}. My role is to help you reach an amicable solution, impartially.\n{ask}\nI will get back to you within 5 business days.",
            v.as_mediator(),
            v.order_ref,
            v.placed
        ),
    ))
}

/// The merchant answers the mediator.
pub(crate) fn shop_to_mediator(v: &Voice) -> String {
    let first = v.mediator.split(' ').next().unwrap_or(v.mediator);
    v.t(
        format!(
            "Bonjour {first},\nVous trouverez nos justificatifs dans le dossier : preuve de dépôt, photos prises à l'emballage et nos échanges avec {}. Nous maintenons notre réponse, mais restons ouverts à une solution raisonnable.\n{}",
            v.civil,
            v.shop_sign()
        ),
        format!(
            "Hello {first},\nOur evidence is in the case file: proof of drop-off, photos taken at packing and our messages with {}. We stand by our answer, but remain open to a reasonable solution.\n{}",
            v.civil,
            v.shop_sign()
        ),
    )
}

/// The mediator proposes terms the merchant agreed to.
pub(crate) fn mediator_proposes(v: &Voice, offer: &str) -> String {
    v.signed_by_mediator(v.t(
        format!(
            "Après examen des pièces transmises par chacun, je vous propose la solution suivante : {offer}. {} a donné son accord. {}, si elle vous convient, il vous suffit de l'accepter.",
            v.shop, v.civil
        ),
        format!(
            "Having reviewed what each of you sent, I propose the following: {offer}. {} has agreed to it. {}, if it suits you, simply accept it.",
            v.shop, v.civil
        ),
    ))
}

/// A label: the mediator hands the case to arbitration.
pub(crate) fn to_arbitration(v: &Voice, by_buyer: bool) -> String {
    if by_buyer {
        v.t(
            "Je refuse la proposition de médiation et demande une décision de la plateforme."
                .into(),
            "I decline the mediation proposal and ask the platform to decide.".into(),
        )
    } else {
        v.t(
            "Aucun accord n'a pu être trouvé en médiation : le dossier passe en arbitrage.".into(),
            "No agreement could be reached in mediation: the case moves to arbitration.".into(),
        )
    }
}

pub(crate) fn arbitration_pending(v: &Voice) -> String {
    v.signed_by_mediator(v.t(
        "Le dossier est désormais en arbitrage. J'examine les pièces des deux parties ; la décision sera rendue sous 10 jours ouvrés et s'imposera à chacun dans le cadre des conditions générales de la plateforme.".into(),
        "The case is now in arbitration. I am reviewing both parties' evidence; the decision will be given within 10 business days and will bind both of you under the platform's terms.".into(),
    ))
}

/// Why the arbiter decided so (a label): for the buyer, for the merchant, or in between.
pub(crate) fn rationale(v: &Voice, reason: &str, favours_buyer: Option<bool>) -> String {
    let (fr, en) = match (favours_buyer, reason) {
        (Some(false), _) => (
            "Les justificatifs du vendeur établissent la bonne exécution de la commande ; la demande n'est pas fondée.",
            "The seller's evidence shows the order was properly fulfilled; the claim is not founded.",
        ),
        (Some(true), r) if r.starts_with("not_received") => (
            "La preuve de livraison produite ne comporte ni signature ni photo : la livraison n'est pas établie.",
            "The proof of delivery has neither a signature nor a photo: delivery is not established.",
        ),
        (Some(true), "late_delivery") => (
            "Le vendeur répond de la livraison : le retard, établi par le suivi du transporteur, justifie un dédommagement.",
            "The seller is answerable for delivery: the delay, shown by the carrier's tracking, warrants compensation.",
        ),
        (Some(true), r) if r.starts_with("changed_mind") => (
            "La rétractation a été exercée dans le délai légal et l'usage constaté reste celui d'un essai : le remboursement est dû au retour de l'article.",
            "The withdrawal was made within the legal period and the item was only tried: the refund is due once it is returned.",
        ),
        (Some(true), r) if r.starts_with("missing_items") || r.starts_with("wrong_item") => (
            "Le vendeur ne démontre pas que le colis contenait l'article commandé : l'acheteur doit le recevoir.",
            "The seller does not show that the parcel held the item ordered: the buyer must receive it.",
        ),
        (Some(true), _) => (
            "Les photos de l'acheteur établissent le défaut de conformité ; le vendeur n'apporte pas la preuve contraire.",
            "The buyer's photos establish the lack of conformity; the seller does not prove otherwise.",
        ),
        (None, r) if r.starts_with("changed_mind") => (
            "La rétractation est valable, mais l'article a été manipulé au-delà du nécessaire : une décote est justifiée (art. L221-23).",
            "The withdrawal is valid, but the item was handled beyond what was needed: a deduction is justified (art. L221-23).",
        ),
        (None, r) if r.starts_with("not_received") => (
            "La livraison n'est ni établie ni exclue : la perte est partagée entre les parties.",
            "Delivery is neither established nor ruled out: the loss is shared between the parties.",
        ),
        (None, "late_delivery") => (
            "Le retard est établi, mais la commande a bien été livrée : un dédommagement forfaitaire est équitable.",
            "The delay is established, but the order was delivered: a flat compensation is fair.",
        ),
        (None, r) if r.starts_with("defective") => (
            "Responsabilités partagées : le défaut est réel, mais l'article a été utilisé plusieurs semaines.",
            "Shared responsibility: the fault is real, but the item was used for several weeks.",
        ),
        (None, _) => (
            "L'écart constaté est réel mais limité, et l'article reste utilisable : une solution intermédiaire est équitable.",
            "The difference is real but limited, and the item is still usable: a middle-ground solution is fair.",
        ),
    };
    v.t(fr.into(), en.into())
}

/// A label: the operator takes the case outside (the consumer mediator).
pub(crate) fn to_consumer_mediator(v: &Voice) -> String {
    v.t(
        format!(
            "{} a saisi le médiateur de la consommation ({MEDIATOR_NAME}).",
            v.civil
        ),
        format!(
            "{} has referred the case to the consumer mediator ({MEDIATOR_NAME}).",
            v.civil
        ),
    )
}

pub(crate) fn consumer_mediator_informed(v: &Voice) -> String {
    v.signed_by_mediator(v.t(
        format!(
            "Le dossier complet (échanges, pièces et décision) a été transmis à {MEDIATOR_NAME} ({MEDIATOR_WEBSITE}). Le médiateur de la consommation rendra son avis dans un délai de 90 jours ; nous l'appliquerons."
        ),
        format!(
            "The full case file (messages, evidence and decision) has been sent to {MEDIATOR_NAME} ({MEDIATOR_WEBSITE}). The consumer mediator will give an opinion within 90 days, and we will apply it."
        ),
    ))
}

pub(crate) fn consumer_mediator_rationale(v: &Voice) -> String {
    v.t(
        format!("Application de l'avis rendu par {MEDIATOR_NAME}, accepté par les deux parties."),
        format!("Applying the opinion of {MEDIATOR_NAME}, accepted by both parties."),
    )
}

/// A label: the operator ends a mediation that continues elsewhere.
pub(crate) fn operator_cancels(v: &Voice, duplicate: bool) -> String {
    if duplicate {
        v.t(
            "Dossier ouvert en double : la demande est suivie dans un autre dossier.".into(),
            "Duplicate case: the request is handled in another case.".into(),
        )
    } else {
        v.t(
            "L'acheteur a ouvert une réclamation auprès de son moyen de paiement : la médiation prend fin.".into(),
            "The buyer opened a claim with their payment provider: the mediation ends.".into(),
        )
    }
}

/// A label: the arbiter corrects a decision.
pub(crate) fn correction(v: &Voice) -> String {
    v.t(
        "Rectification d'une erreur matérielle : les frais de port n'étaient pas inclus dans le montant.".into(),
        "Correcting a clerical error: the delivery charge was not included in the amount.".into(),
    )
}

/// A label: the buyer reopens a settled case.
pub(crate) fn buyer_reopens(v: &Voice) -> String {
    v.t(
        "Je n'ai toujours pas reçu le remboursement annoncé.".into(),
        "I still have not received the refund I was told about.".into(),
    )
}

pub(crate) fn shop_refund_sent(v: &Voice) -> String {
    v.signed_by_shop(v.t(
        "Toutes nos excuses : votre banque avait rejeté le remboursement. Nous venons de le refaire ; comptez 3 à 5 jours ouvrés pour le voir apparaître sur votre compte.".into(),
        "Our apologies: your bank had rejected the refund. We have just issued it again; allow 3 to 5 business days for it to show on your account.".into(),
    ))
}

// ---- Payment providers -------------------------------------------------

/// The merchant settles a payment dispute itself (a label for the buyer).
pub(crate) fn payment_refund_note(v: &Voice, reason: &str, amount: i64) -> String {
    let amount = money(v.lang, amount);
    match reason {
        "duplicate_charge" => v.t(
            format!("Le prélèvement en double de {amount} vous a été remboursé."),
            format!("The duplicate charge of {amount} has been refunded to you."),
        ),
        "incorrect_amount" => v.t(
            format!("La différence de {amount} débitée à tort vous a été remboursée."),
            format!("The {amount} charged in error has been refunded to you."),
        ),
        _ => v.t(
            format!("Le remboursement de {amount} dû après votre retour a été effectué."),
            format!("The {amount} refund due after your return has been made."),
        ),
    }
}

/// How a provider reports a dispute (merchant-facing, in French).
pub(crate) fn provider_opens(
    provider: &str,
    dispute_id: &str,
    transaction: &str,
    reason: &str,
    amount: i64,
    due: &str,
) -> String {
    let code = amiable_domain::reason::ReasonCode::parse(reason)
        .map(|r| r.root())
        .unwrap_or(amiable_domain::reason::BuiltinReason::Other);
    let mapping = code.mapping();
    let claim = match reason {
        "unauthorised" => "le titulaire du compte déclare ne pas avoir autorisé ce paiement",
        "duplicate_charge" => "l'acheteur déclare avoir été débité deux fois pour la même commande",
        "incorrect_amount" => {
            "l'acheteur déclare avoir été débité d'un montant supérieur à celui de sa commande"
        }
        "credit_not_processed" => {
            "l'acheteur déclare ne pas avoir reçu le remboursement promis après son retour"
        }
        r if r.starts_with("not_received") => "l'acheteur déclare ne pas avoir reçu sa commande",
        _ => "l'acheteur déclare que l'article reçu ne correspond pas à sa description",
    };
    let amount = money(Lang::Fr, amount);
    match provider {
        "paypal" => format!(
            "Litige PayPal {dispute_id} sur la transaction {transaction} (motif PayPal : {}) : {claim}. Montant contesté : {amount}. Réponse du vendeur attendue avant le {due}.",
            mapping.paypal
        ),
        _ => format!(
            "Contestation Stripe {dispute_id} sur le paiement {transaction} (motif Stripe : {}) : {claim}. Montant contesté : {amount}. Justificatifs à fournir avant le {due}.",
            mapping.stripe
        ),
    }
}

pub(crate) fn provider_reminder(due: &str) -> String {
    format!(
        "Rappel : la réponse du vendeur est attendue avant le {due}. Passé ce délai, le litige sera tranché en faveur de l'acheteur."
    )
}

/// The merchant tells the buyer it saw the provider's claim.
pub(crate) fn shop_saw_claim(v: &Voice, provider: &str) -> String {
    let provider = if provider == "paypal" {
        "PayPal".to_owned()
    } else {
        v.t("votre banque".into(), "your bank".into())
    };
    v.signed_by_shop(v.t(
        format!(
            "Nous avons été informés d'une réclamation auprès de {provider} concernant votre commande {}. N'hésitez pas à nous écrire directement : nous réglons la plupart des demandes en 48 heures.",
            v.order_ref
        ),
        format!(
            "We have been told about a claim with {provider} about your order {}. Feel free to write to us directly: we settle most requests within 48 hours.",
            v.order_ref
        ),
    ))
}

/// A provider's ruling (a label, in French).
pub(crate) fn provider_rationale(reason: &str, favours_buyer: Option<bool>) -> String {
    match (favours_buyer, reason) {
        (Some(false), "unauthorised") => {
            "Paiement authentifié par 3-D Secure et livré à l'adresse du titulaire : litige tranché en faveur du vendeur.".into()
        }
        (Some(false), "duplicate_charge") => {
            "Un seul débit constaté ; la seconde ligne était une pré-autorisation annulée.".into()
        }
        (Some(false), _) => {
            "Le vendeur a fourni une preuve de livraison valide et un suivi complet : litige tranché en faveur du vendeur.".into()
        }
        (Some(true), _) => {
            "Les justificatifs du vendeur ne répondent pas au motif invoqué : litige tranché en faveur de l'acheteur.".into()
        }
        (None, _) => {
            "Remboursement partiel accepté par les deux parties pendant l'examen du litige.".into()
        }
    }
}

pub(crate) fn provider_cancels(provider: &str) -> String {
    if provider == "paypal" {
        "L'acheteur a clôturé sa réclamation auprès de PayPal.".into()
    } else {
        "Le titulaire de la carte a retiré sa contestation auprès de sa banque.".into()
    }
}

// ---- Internal notes (French only) --------------------------------------

pub(crate) fn note_investigation(carrier: &str, reference: &str) -> String {
    format!(
        "Enquête {carrier} ouverte, réf. {reference}. Relancer le transporteur sous 48 h si pas de réponse."
    )
}

pub(crate) fn note_loyal(female: bool, orders: usize, agent: &str) -> String {
    let who = if female {
        "Cliente fidèle"
    } else {
        "Client fidèle"
    };
    format!("{who} ({orders} commandes) : geste commercial validé par {agent}.")
}

pub(crate) fn note_evidence(provider: &str, carrier: &str, tracking: &str) -> String {
    let provider = if provider == "paypal" {
        "PayPal"
    } else {
        "Stripe"
    };
    format!(
        "Justificatifs envoyés à {provider} : facture, preuve de dépôt et suivi {carrier} {tracking}."
    )
}

pub(crate) fn note_mediator(reason: &str, carrier: &str) -> String {
    let evidence = if reason.starts_with("not_received") || reason == "late_delivery" {
        format!("historique de suivi {carrier}, preuve de dépôt, échanges avec le transporteur")
    } else {
        format!("photos de l'acheteur, preuve de dépôt {carrier}, fiche produit archivée")
    };
    format!("Pièces examinées : {evidence}. Vérifier l'historique du vendeur sur ce motif.")
}
