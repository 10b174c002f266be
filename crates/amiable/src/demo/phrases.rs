//! What the people of the demo write: buyers, customer service, the
//! marketplace's mediators and the payment providers. Public texts are in the
//! buyer's language (French, English for the few English-speaking buyers);
//! internal notes are always in French, written by French staff for French
//! staff.

use super::catalog::{OPERATOR_NAME, Trade};
use super::texts::{Lang, money};
use amiable_domain::case::{GoodwillKind, Resolution, ResolutionKind};

mod incidents;
mod lifecycle;
mod platform;
pub(crate) use incidents::*;
pub(crate) use lifecycle::*;
pub(crate) use platform::*;

/// Everything a text may mention about its case.
pub(crate) struct Voice {
    pub lang: Lang,
    /// "Madame Martin" / "Ms Smith".
    pub civil: String,
    pub buyer_name: String,
    pub shop: &'static str,
    pub city: &'static str,
    pub trade: Trade,
    pub agent: &'static str,
    pub mediator: &'static str,
    pub mediator_female: bool,
    pub order_ref: String,
    pub carrier: String,
    pub tracking: String,
    /// Dates in the buyer's language ("3 octobre 2026").
    pub placed: String,
    pub shipped: String,
    pub delivered: String,
    /// The main item, quoted: « Robe en lin lavé bleu nuit – taille 38 ».
    pub item: String,
    /// Its catalogue category ("vêtements", "luminaires"…) and whether it comes in sizes.
    pub category: &'static str,
    pub sized: bool,
}

impl Voice {
    fn t(&self, fr: String, en: String) -> String {
        self.lang.pick(fr, en)
    }

    pub(crate) fn hello(&self) -> String {
        self.t(
            format!("Bonjour {},", self.civil),
            format!("Hello {},", self.civil),
        )
    }

    /// How the buyer signs.
    pub(crate) fn buyer_sign(&self) -> String {
        self.t(
            format!("Cordialement,\n{}", self.buyer_name),
            format!("Kind regards,\n{}", self.buyer_name),
        )
    }

    pub(crate) fn shop_sign(&self) -> String {
        self.t(
            format!(
                "Bien cordialement,\n{} – service client {}",
                self.agent, self.shop
            ),
            format!(
                "Kind regards,\n{} – {} customer service",
                self.agent, self.shop
            ),
        )
    }

    pub(crate) fn mediator_sign(&self) -> String {
        let role = match (self.lang, self.mediator_female) {
            (Lang::Fr, true) => "Médiatrice",
            (Lang::Fr, false) => "Médiateur",
            (Lang::En, _) => "Mediator",
        };
        format!("{}\n{role} – {OPERATOR_NAME}", self.mediator)
    }

    /// "En tant que médiatrice de la plateforme" / "As the platform's mediator".
    fn as_mediator(&self) -> String {
        let role = if self.mediator_female {
            "médiatrice"
        } else {
            "médiateur"
        };
        self.t(
            format!("En tant que {role} de la plateforme"),
            "As the platform's mediator".into(),
        )
    }

    /// A short buyer message around a longer body.
    fn signed_by_buyer(&self, body: String) -> String {
        format!(
            "{}\n{body}\n{}",
            self.t("Bonjour,".into(), "Hello,".into()),
            self.buyer_sign()
        )
    }

    fn signed_by_shop(&self, body: String) -> String {
        format!("{}\n{body}\n{}", self.hello(), self.shop_sign())
    }

    fn signed_by_mediator(&self, body: String) -> String {
        let hello = self.t(
            format!("Bonjour {}, bonjour l'équipe {},", self.civil, self.shop),
            format!("Hello {}, hello {} team,", self.civil, self.shop),
        );
        format!("{hello}\n{body}\n{}", self.mediator_sign())
    }
}

/// What an offer or a resolution gives, in words: "un avoir de 89 € majoré de 10 %…".
pub(crate) fn terms(v: &Voice, terms: &Resolution, other_size: Option<&str>) -> String {
    let minor = terms.amount.map_or(0, |m| m.amount_minor);
    let amount = money(v.lang, minor);
    match terms.kind {
        ResolutionKind::FullRefund => v.t(
            format!("le remboursement intégral de votre commande, soit {amount}"),
            format!("a full refund of your order, {amount}"),
        ),
        ResolutionKind::PartialRefund => v.t(
            format!("un remboursement partiel de {amount}, en conservant l'article"),
            format!("a partial refund of {amount}, and you keep the item"),
        ),
        ResolutionKind::ReturnAndRefund => v.t(
            format!("le remboursement de {amount} dès réception de l'article retourné"),
            format!("a refund of {amount} as soon as the returned item reaches us"),
        ),
        ResolutionKind::Replacement => v.t(
            "l'envoi d'un article neuf en remplacement, sans frais pour vous".into(),
            "a new replacement item, at no cost to you".into(),
        ),
        ResolutionKind::Exchange => match other_size {
            Some(size) => v.t(
                format!("l'échange contre la taille {size}, sans frais pour vous"),
                format!("an exchange for size {size}, at no cost to you"),
            ),
            None => v.t(
                "l'échange contre un autre modèle de votre choix".into(),
                "an exchange for another model of your choice".into(),
            ),
        },
        ResolutionKind::StoreCredit => {
            let bonus = i64::from(terms.bonus_percent.unwrap_or(0));
            let total = money(v.lang, minor + minor * bonus / 100);
            v.t(
                format!(
                    "un avoir de {amount} majoré de {bonus} %, soit {total} à valoir sur toute la boutique, sans limite de durée"
                ),
                format!(
                    "store credit of {amount} plus a {bonus}% bonus, {total} to spend on the whole shop, with no expiry date"
                ),
            )
        }
        ResolutionKind::Repair => v.t(
            "la réparation de l'article, sans frais pour vous, transport compris".into(),
            "a repair of the item at no cost to you, shipping included".into(),
        ),
        ResolutionKind::Goodwill => match terms.goodwill {
            Some(GoodwillKind::ShippingRefund) => v.t(
                format!("le remboursement de vos frais de port, soit {amount}"),
                format!("a refund of your delivery charge, {amount}"),
            ),
            Some(GoodwillKind::Gift) => v.t(
                format!("un cadeau d'une valeur de {amount} joint à votre prochaine commande"),
                format!("a gift worth {amount} added to your next order"),
            ),
            _ => v.t(
                format!("un bon d'achat de {amount} valable un an sur toute la boutique"),
                format!("a {amount} voucher valid for a year on the whole shop"),
            ),
        },
        ResolutionKind::Refusal | ResolutionKind::Withdrawn => String::new(),
    }
}

/// What is wrong with the item, as the buyer describes it.
pub(crate) fn problem(v: &Voice, reason: &str) -> String {
    let (fr, en) = match reason {
        "defective.battery" => (
            "la batterie ne tient plus la charge : elle passe de 100 % à 20 % en moins d'une heure",
            "the battery does not hold its charge: it drops from 100% to 20% in under an hour",
        ),
        "defective.screen" => (
            "l'écran présente une ligne de pixels morts et clignote par moments",
            "the screen has a line of dead pixels and flickers now and then",
        ),
        "defective.stitching" => (
            "une couture s'est défaite dès le deuxième port",
            "a seam came apart the second time I wore it",
        ),
        "defective" => match (v.trade, v.category) {
            (Trade::Electronics, _) => (
                "l'appareil s'éteint tout seul au bout de quelques minutes",
                "it switches itself off after a few minutes",
            ),
            (Trade::Fashion, "chaussures") => (
                "la semelle se décolle déjà à l'avant",
                "the sole is already coming unstuck at the front",
            ),
            (Trade::Fashion, "bijoux") => (
                "le fermoir s'est cassé dès le premier port",
                "the clasp broke the first time I wore them",
            ),
            (Trade::Fashion, _) => (
                "une couture a lâché et le tissu s'effiloche après un seul lavage",
                "a seam gave way and the fabric is fraying after a single wash",
            ),
            (Trade::Home, "linge de maison") => (
                "le tissu a rétréci et déteint dès le premier lavage, fait en suivant l'étiquette",
                "the fabric shrank and ran at the first wash, done as the label says",
            ),
            (Trade::Home, "mobilier") => (
                "un pied est déjà branlant et l'assise grince",
                "one leg is already wobbly and the seat creaks",
            ),
            (Trade::Home, "luminaires") => (
                "la lampe ne s'allume plus qu'une fois sur deux",
                "the lamp only lights up every other time",
            ),
            (Trade::Home, _) => (
                "une fissure est apparue dès les premiers jours",
                "a crack appeared within the first few days",
            ),
            (Trade::Provence, _) => (
                "la pompe du flacon fuit et le produit coule dans le sac",
                "the pump leaks and the product runs into my bag",
            ),
        },
        "not_as_described.colour" => (
            "la couleur est nettement plus terne que sur les photos de la fiche produit",
            "the colour is much duller than in the photos on the product page",
        ),
        "not_as_described.size" => (
            "la taille ne correspond pas au guide des tailles : l'article taille au moins une taille en dessous",
            "the size does not match the size guide: it is at least one size smaller",
        ),
        "not_as_described.material" => (
            "la matière ne correspond pas à la fiche produit : l'étiquette indique un mélange synthétique",
            "the material is not what the product page says: the label shows a synthetic blend",
        ),
        "not_as_described" => match v.trade {
            Trade::Electronics => (
                "ses caractéristiques ne correspondent pas à la fiche produit, notamment la compatibilité annoncée",
                "its specifications do not match the product page, notably the stated compatibility",
            ),
            Trade::Provence => (
                "le parfum et la texture sont très différents de ceux annoncés sur la fiche produit",
                "the scent and texture are very different from what the product page says",
            ),
            _ => (
                "l'article ne ressemble pas aux photos, avec des finitions différentes et des dimensions plus petites qu'annoncé",
                "it does not look like the photos, with a different finish and smaller than stated",
            ),
        },
        "damaged_in_transit.broken" => (
            "l'article est cassé en plusieurs morceaux et le carton était enfoncé",
            "the item is broken in several pieces and the box was dented",
        ),
        "damaged_in_transit.crushed_parcel" => (
            "le carton était écrasé et ouvert sur le côté, et l'article est abîmé",
            "the box was crushed and torn open on one side, and the item is damaged",
        ),
        "damaged_in_transit.cold_chain" => (
            "le colis a voyagé plusieurs jours hors froid et le produit n'est plus consommable",
            "the parcel travelled for days without refrigeration and the food is no longer safe to eat",
        ),
        "damaged_in_transit" => match (v.trade, v.category) {
            (Trade::Electronics, _) => (
                "la coque de l'appareil est rayée et un angle est enfoncé",
                "the casing is scratched and one corner is dented",
            ),
            (Trade::Fashion, _) | (Trade::Home, "linge de maison") => (
                "l'article est taché et son emballage était déchiré",
                "the item is stained and its packaging was torn",
            ),
            (Trade::Home, _) => (
                "l'article est rayé et un angle est ébréché",
                "the item is scratched and one corner is chipped",
            ),
            (Trade::Provence, _) => (
                "l'emballage est éventré et le produit a coulé dans le colis",
                "the packaging burst open and the product leaked into the parcel",
            ),
        },
        "missing_items.accessory" => (
            "le câble de charge annoncé sur la fiche produit ne se trouvait pas dans la boîte",
            "the charging cable listed on the product page was not in the box",
        ),
        _ => (
            "l'article ne correspond pas à ce que j'attendais",
            "the item is not what I expected",
        ),
    };
    v.t(fr.into(), en.into())
}

/// Why a buyer changes their mind, by trade.
fn second_thoughts(v: &Voice) -> String {
    let (fr, en) = match v.trade {
        Trade::Fashion if v.sized => ("la coupe ne me va pas", "the cut does not suit me"),
        Trade::Fashion => (
            "la couleur ne va pas avec ma garde-robe",
            "the colour does not go with my wardrobe",
        ),
        Trade::Home => (
            "la teinte ne s'accorde pas avec mon intérieur",
            "the colour does not go with my home",
        ),
        Trade::Electronics => (
            "il ne correspond pas à mon usage",
            "it does not fit the way I use it",
        ),
        Trade::Provence => (
            "j'ai commandé la mauvaise référence",
            "I ordered the wrong product",
        ),
    };
    v.t(fr.into(), en.into())
}

/// Details an opening may need besides the voice.
pub(crate) struct Facts<'a> {
    /// The size the buyer wanted, or received by mistake.
    pub other_size: Option<&'a str>,
    /// When the buyer first complained, for disputes ("le 3 novembre 2026").
    pub earlier: String,
    /// What the merchant answered then, for disputes.
    pub ground: String,
}

/// The buyer's first message: a return request or an incident report.
pub(crate) fn buyer_opens(v: &Voice, reason: &str, facts: &Facts<'_>) -> String {
    let item = &v.item;
    let body = match reason {
        "changed_mind" => v.t(
            format!(
                "J'ai reçu ma commande {} le {}, mais {item} ne me convient finalement pas : {}. Je souhaite exercer mon droit de rétractation et vous retourner l'article. {}\nPourriez-vous m'indiquer la marche à suivre ?",
                v.order_ref,
                v.delivered,
                second_thoughts(v),
                if v.trade == Trade::Fashion {
                    "L'article n'a pas été porté et ses étiquettes sont toujours attachées."
                } else {
                    "L'article est complet et dans son emballage d'origine."
                }
            ),
            format!(
                "I received order {} on {}, but {item} is not right for me after all: {}. I would like to use my right of withdrawal and send it back. {}\nCould you tell me how to proceed?",
                v.order_ref,
                v.delivered,
                second_thoughts(v),
                if v.trade == Trade::Fashion {
                    "It has not been worn and still has its tags."
                } else {
                    "It is complete and in its original packaging."
                }
            ),
        ),
        "changed_mind.size_exchange" => {
            let size = facts.other_size.unwrap_or("au-dessus");
            v.t(
                format!(
                    "J'ai bien reçu {item}, merci ! Malheureusement la taille ne me va pas. Serait-il possible de l'échanger contre la taille {size} ? L'article n'a pas été porté."
                ),
                format!(
                    "I have received {item}, thank you! Unfortunately it does not fit. Could I exchange it for size {size}? It has not been worn."
                ),
            )
        }
        r if r.starts_with("not_as_described") || r.starts_with("defective") => {
            let problem = problem(v, r);
            if r.starts_with("defective") {
                v.t(
                    format!(
                        "J'ai reçu {item} le {} et {problem}. Je souhaite faire jouer la garantie légale de conformité.\nMerci de me dire comment procéder.",
                        v.delivered
                    ),
                    format!(
                        "I received {item} on {} and {problem}. I would like to use the legal guarantee of conformity.\nPlease let me know what to do.",
                        v.delivered
                    ),
                )
            } else {
                v.t(
                    format!(
                        "J'ai reçu {item} le {}, mais l'article n'est pas conforme à la description : {problem}. Je souhaite vous le retourner et en obtenir le remboursement.",
                        v.delivered
                    ),
                    format!(
                        "I received {item} on {}, but it is not as described: {problem}. I would like to send it back and get a refund for it.",
                        v.delivered
                    ),
                )
            }
        }
        r if r.starts_with("damaged_in_transit") => v.t(
            format!(
                "Mon colis {} est arrivé aujourd'hui en mauvais état : {} ({item}). J'ai pris des photos du carton et de l'article, je peux vous les envoyer.",
                v.carrier,
                problem(v, r)
            ),
            format!(
                "My {} parcel arrived today in poor condition: {} ({item}). I took photos of the box and the item, I can send them to you.",
                v.carrier,
                problem(v, r)
            ),
        ),
        "not_received.relay_point" => v.t(
            format!(
                "Ma commande {}, expédiée le {} en {} (suivi {}), devait m'attendre au point relais, mais le commerçant ne trouve pas le colis et le suivi n'évolue plus.",
                v.order_ref, v.shipped, v.carrier, v.tracking
            ),
            format!(
                "Order {}, shipped on {} with {} (tracking {}), should be waiting at my pick-up point, but the shop cannot find the parcel and the tracking has not moved for days.",
                v.order_ref, v.shipped, v.carrier, v.tracking
            ),
        ),
        "not_received.marked_delivered" => v.t(
            format!(
                "Le suivi {} ({}) indique que mon colis a été livré le {}, mais je ne l'ai jamais reçu : rien dans ma boîte aux lettres, et mes voisins n'ont rien réceptionné.",
                v.carrier, v.tracking, v.delivered
            ),
            format!(
                "The {} tracking ({}) says my parcel was delivered on {}, but I never got it: nothing in my letterbox, and my neighbours did not take it in.",
                v.carrier, v.tracking, v.delivered
            ),
        ),
        "not_received" => v.t(
            format!(
                "Ma commande {} a été expédiée le {} en {} (suivi {}), mais je ne l'ai toujours pas reçue et le suivi n'évolue plus depuis plusieurs jours.",
                v.order_ref, v.shipped, v.carrier, v.tracking
            ),
            format!(
                "Order {} was shipped on {} with {} (tracking {}), but it has still not arrived and the tracking has not moved for several days.",
                v.order_ref, v.shipped, v.carrier, v.tracking
            ),
        ),
        "late_delivery" => v.t(
            format!(
                "Ma commande {} est arrivée le {}, avec plus d'une semaine de retard sur la date annoncée. C'était un cadeau d'anniversaire et il est arrivé trop tard. Un geste commercial serait le bienvenu.",
                v.order_ref, v.delivered
            ),
            format!(
                "Order {} arrived on {}, more than a week later than announced. It was a birthday present and it came too late. A goodwill gesture would be welcome.",
                v.order_ref, v.delivered
            ),
        ),
        "wrong_item.variant" => {
            let size = facts.other_size.unwrap_or("différente");
            v.t(
                format!(
                    "J'ai commandé {item}, mais le colis contenait la taille {size}. Pouvez-vous m'envoyer la bonne taille ?"
                ),
                format!(
                    "I ordered {item}, but the parcel contained size {size}. Could you send me the right size?"
                ),
            )
        }
        "wrong_item" => v.t(
            format!(
                "J'ai reçu un article qui ne correspond pas à ma commande {} : à la place de {item}, le colis contenait un autre produit.",
                v.order_ref
            ),
            format!(
                "I received an item that is not what I ordered in {}: instead of {item}, the parcel contained another product.",
                v.order_ref
            ),
        ),
        "missing_items.accessory" => v.t(
            format!(
                "J'ai bien reçu {item}, mais {}. Pouvez-vous me l'envoyer ?",
                problem(v, reason)
            ),
            format!(
                "I have received {item}, but {}. Could you send it to me?",
                problem(v, reason)
            ),
        ),
        _ => v.t(
            format!(
                "Il manque un article dans mon colis : {item} n'y était pas, alors qu'il figure sur la facture de la commande {}.",
                v.order_ref
            ),
            format!(
                "An item is missing from my parcel: {item} was not in it, although it is on the invoice for order {}.",
                v.order_ref
            ),
        ),
    };
    v.signed_by_buyer(body)
}

/// A dispute: the buyer contests what the merchant answered earlier.
pub(crate) fn buyer_disputes(v: &Voice, reason: &str, facts: &Facts<'_>) -> String {
    let item = &v.item;
    let (earlier, ground) = (&facts.earlier, &facts.ground);
    let claim = match reason {
        r if r.starts_with("changed_mind") => v.t(
            format!(
                "Le {earlier}, j'ai demandé à retourner {item} dans le délai de rétractation. {} a refusé : « {ground} ». Je conteste ce refus et demande le remboursement de l'article.",
                v.shop
            ),
            format!(
                "On {earlier} I asked to return {item} within the withdrawal period. {} refused: \"{ground}\". I dispute this refusal and ask for a refund.",
                v.shop
            ),
        ),
        r if r.starts_with("not_received") => v.t(
            format!(
                "Je n'ai jamais reçu ma commande {}. Le {earlier}, {} m'a répondu : « {ground} ». Aucune signature n'a pourtant été recueillie. Je demande le remboursement de ma commande.",
                v.order_ref, v.shop
            ),
            format!(
                "I never received order {}. On {earlier}, {} replied: \"{ground}\". Yet nobody signed for it. I ask for a refund of my order.",
                v.order_ref, v.shop
            ),
        ),
        r => {
            let problem = problem(v, r);
            v.t(
                format!(
                    "Le {earlier}, j'ai signalé à {} un problème avec {item} : {problem}. On m'a répondu : « {ground} ». Je ne suis pas d'accord avec cette réponse et je demande une solution.",
                    v.shop
                ),
                format!(
                    "On {earlier} I told {} about a problem with {item}: {problem}. They replied: \"{ground}\". I do not agree with this answer and ask for a solution.",
                    v.shop
                ),
            )
        }
    };
    v.signed_by_buyer(claim)
}

/// Why a merchant turns a claim down: short, it is also a refusal's ground (a label).
pub(crate) fn ground(v: &Voice, reason: &str, flags: &[&str]) -> String {
    let (fr, en) = match reason {
        r if r.starts_with("changed_mind") => {
            if flags.contains(&"personalised") {
                (
                    "l'article a été personnalisé à votre demande et est exclu du droit de rétractation (art. L221-28 du Code de la consommation)",
                    "the item was personalised to your order and is excluded from the right of withdrawal (French Consumer Code, art. L221-28)",
                )
            } else if flags.contains(&"sealed_hygiene") {
                (
                    "le produit a été descellé et ne peut pas être repris pour des raisons d'hygiène (art. L221-28 du Code de la consommation)",
                    "the product was unsealed and cannot be taken back for hygiene reasons (French Consumer Code, art. L221-28)",
                )
            } else {
                (
                    "l'article a été utilisé au-delà de ce qui est nécessaire pour l'essayer, ce qui ne permet pas un remboursement intégral",
                    "the item was used beyond what is needed to try it, so it cannot be refunded in full",
                )
            }
        }
        r if r.starts_with("not_received") => (
            "le transporteur confirme la livraison à votre adresse, preuve de livraison à l'appui",
            "the carrier confirms delivery to your address, with proof of delivery",
        ),
        r if r.starts_with("damaged_in_transit") => (
            "le colis a été remis au transporteur en parfait état et la livraison a été acceptée sans réserve",
            "the parcel was handed to the carrier in perfect condition and delivery was accepted without reservation",
        ),
        r if r.starts_with("missing_items") => (
            "le poids du colis enregistré au dépôt correspond à une commande complète",
            "the parcel weight recorded at drop-off matches a complete order",
        ),
        r if r.starts_with("defective") => (
            "le défaut constaté résulte d'une mauvaise utilisation (choc visible), ce qui exclut la garantie légale de conformité",
            "the fault comes from misuse (a visible impact), which the legal guarantee of conformity does not cover",
        ),
        "late_delivery" => (
            "la commande a été expédiée dans les délais annoncés et le retard est imputable au transporteur",
            "the order was shipped on time and the delay is down to the carrier",
        ),
        _ => (
            "l'article livré correspond aux photos et à la composition indiquées sur la fiche produit",
            "the item delivered matches the photos and the composition stated on the product page",
        ),
    };
    v.t(fr.into(), en.into())
}

// ---- Customer service -------------------------------------------------

/// The merchant accepts a return and says how to send it back.
pub(crate) fn shop_accepts_return(v: &Voice, prepaid: bool, rma: &str, deadline: &str) -> String {
    let how = if prepaid {
        v.t(
            format!(
                "Votre étiquette de retour prépayée est disponible dans votre espace client : collez-la sur le colis et déposez-le dans un bureau de poste ou un point relais avant le {deadline}."
            ),
            format!(
                "Your prepaid return label is in your customer account: stick it on the parcel and drop it at a post office or pick-up point before {deadline}."
            ),
        )
    } else {
        v.t(
            format!(
                "Merci de nous renvoyer l'article avant le {deadline} à l'adresse : {}, service retours, {}, en indiquant le numéro de retour {rma} sur le colis. Comme prévu par nos conditions générales de vente, les frais de retour restent à votre charge.",
                v.shop, v.city
            ),
            format!(
                "Please send the item back before {deadline} to: {}, returns department, {}, with return number {rma} on the parcel. As our terms of sale state, return shipping is at your expense.",
                v.shop, v.city
            ),
        )
    };
    v.signed_by_shop(v.t(
        format!(
            "Nous avons bien reçu votre demande de retour pour {} (numéro de retour {rma}).\n{how}\nDès réception et contrôle de l'article, nous vous rembourserons sous 14 jours au plus tard.",
            v.item
        ),
        format!(
            "We have received your return request for {} (return number {rma}).\n{how}\nOnce the item has arrived and been checked, we will refund you within 14 days at the latest.",
            v.item
        ),
    ))
}

pub(crate) fn buyer_sent_parcel(v: &Voice, tracking: &str) -> String {
    v.signed_by_buyer(v.t(
        format!(
            "J'ai déposé le colis aujourd'hui (numéro de suivi {tracking}). Merci pour votre réactivité !"
        ),
        format!("I dropped the parcel off today (tracking number {tracking}). Thanks for your quick reply!"),
    ))
}

/// The merchant's answer to an incident, before or with an offer.
pub(crate) fn shop_answers_incident(v: &Voice, reason: &str, offer: &str) -> String {
    let sorry = match reason {
        r if r.starts_with("not_received") => v.t(
            format!(
                "Nous sommes désolés pour ce contretemps. Nous avons ouvert une enquête auprès de {} pour le colis {} ; le transporteur nous répond en général sous 48 heures ouvrées.",
                v.carrier, v.tracking
            ),
            format!(
                "We are sorry about this. We have opened an investigation with {} for parcel {}; the carrier usually answers within 48 business hours.",
                v.carrier, v.tracking
            ),
        ),
        "late_delivery" => v.t(
            format!(
                "Toutes nos excuses pour ce retard : le colis est resté bloqué plusieurs jours dans un centre de tri {}. Nous comprenons votre déception, surtout pour un cadeau.",
                v.carrier
            ),
            format!(
                "We apologise for the delay: the parcel was stuck for several days in a {} sorting centre. We understand your disappointment, especially for a present.",
                v.carrier
            ),
        ),
        r if r.starts_with("damaged_in_transit") => v.t(
            format!(
                "Nous sommes navrés que {} vous soit parvenu dans cet état. Merci de nous envoyer vos photos : elles nous permettent d'ouvrir une réclamation auprès du transporteur.",
                v.item
            ),
            format!(
                "We are very sorry that {} reached you in this state. Please send us your photos: they let us file a claim with the carrier.",
                v.item
            ),
        ),
        r if r.starts_with("wrong_item") || r.starts_with("missing_items") => v.t(
            "Toutes nos excuses pour cette erreur de préparation.".into(),
            "We apologise for this packing mistake.".into(),
        ),
        r if r.starts_with("defective") => v.t(
            format!(
                "Nous sommes désolés que {} présente ce défaut. Il est bien couvert par la garantie légale de conformité.",
                v.item
            ),
            format!(
                "We are sorry that {} has this fault. It is covered by the legal guarantee of conformity.",
                v.item
            ),
        ),
        _ => v.t(
            "Merci de nous avoir prévenus.".into(),
            "Thank you for letting us know.".into(),
        ),
    };
    let next = if offer.is_empty() {
        v.t(
            "Nous revenons vers vous très rapidement.".into(),
            "We will get back to you very soon.".into(),
        )
    } else {
        v.t(
            format!("Nous vous proposons {offer}."),
            format!("We can offer you {offer}."),
        )
    };
    v.signed_by_shop(format!("{sorry}\n{next}"))
}

/// The merchant proposes terms (a return, a dispute).
pub(crate) fn shop_offers(v: &Voice, offer: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Merci pour votre message. Nous vous proposons {offer}. Si cette solution vous convient, il vous suffit de l'accepter."
        ),
        format!(
            "Thank you for your message. We can offer you {offer}. If this suits you, simply accept it."
        ),
    ))
}

/// The merchant turns the claim down, politely.
pub(crate) fn shop_refuses(v: &Voice, ground: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Nous avons bien étudié votre demande et nous comprenons votre déception. Cependant, {ground}. Nous ne pouvons donc pas y donner une suite favorable, mais nous restons à votre disposition pour en parler."
        ),
        format!(
            "We have looked carefully at your request and understand your disappointment. However, {ground}. We are therefore unable to accept it, but we remain available to discuss it."
        ),
    ))
}

/// The merchant's answer to a dispute, standing by the first answer.
pub(crate) fn shop_maintains(v: &Voice, ground: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Nous avons relu attentivement votre dossier. Nous maintenons notre réponse : {ground}. Nous joignons nos justificatifs et restons à votre écoute."
        ),
        format!(
            "We have read your case again carefully. We stand by our answer: {ground}. Our evidence is attached and we remain at your disposal."
        ),
    ))
}

pub(crate) fn buyer_chases(v: &Voice, days: i64) -> String {
    v.signed_by_buyer(v.t(
        format!(
            "Je n'ai pas de nouvelles depuis {days} jours. Pouvez-vous me dire où en est ma demande ?"
        ),
        format!("I have not heard from you for {days} days. Could you tell me where my request stands?"),
    ))
}

pub(crate) fn buyer_thanks(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        "Merci beaucoup pour votre réactivité, c'est parfait.".into(),
        "Thank you very much for sorting this out so quickly.".into(),
    ))
}

/// The buyer prefers a replacement to a repair.
pub(crate) fn buyer_counters(v: &Voice) -> String {
    v.t(
        format!(
            "Merci pour votre proposition. Je préférerais toutefois un remplacement par un article neuf : je m'en sers tous les jours et je ne peux pas m'en passer plusieurs semaines.\n{}",
            v.buyer_sign()
        ),
        format!(
            "Thank you for your offer. I would rather have a new replacement, though: I use it every day and cannot go without it for weeks.\n{}",
            v.buyer_sign()
        ),
    )
}

/// Why the buyer declines an offer (a label).
pub(crate) fn buyer_declines(v: &Voice, reason: &str, kind: ResolutionKind) -> String {
    let (fr, en) = match kind {
        ResolutionKind::PartialRefund if reason.starts_with("changed_mind") => (
            "J'exerce mon droit de rétractation : je demande le remboursement intégral, comme le prévoit la loi.",
            "I am using my right of withdrawal: I ask for a full refund, as the law provides.",
        ),
        ResolutionKind::PartialRefund if reason.starts_with("not_received") => (
            "Ce montant ne couvre pas une commande que je n'ai jamais reçue.",
            "This amount does not cover an order I never received.",
        ),
        ResolutionKind::StoreCredit | ResolutionKind::Goodwill => (
            "Je préfère un remboursement sur mon moyen de paiement plutôt qu'un avoir ou un bon d'achat.",
            "I would rather be refunded to my payment method than get credit or a voucher.",
        ),
        ResolutionKind::PartialRefund => (
            "Ce montant ne couvre pas le préjudice : l'article est inutilisable en l'état.",
            "This amount does not cover the loss: the item cannot be used as it is.",
        ),
        ResolutionKind::Repair => (
            "Je ne souhaite pas une réparation sur un article neuf.",
            "I do not want a brand-new item repaired.",
        ),
        _ => (
            "Cette proposition ne correspond pas à ma demande.",
            "This offer does not match my request.",
        ),
    };
    v.t(fr.into(), en.into())
}

/// A label for the buyer's escalation to the marketplace.
pub(crate) fn buyer_escalates(v: &Voice, silent: bool) -> String {
    if silent {
        v.t(
            "Le vendeur ne répond plus à mes messages ; je demande l'intervention de la plateforme.".into(),
            "The seller no longer answers my messages; I ask the platform to step in.".into(),
        )
    } else {
        v.t(
            "Je ne suis pas d'accord avec la réponse du vendeur et je fais appel à la plateforme."
                .into(),
            "I do not agree with the seller's answer and ask the platform to step in.".into(),
        )
    }
}

/// A label: the buyer no longer needs the case.
pub(crate) fn buyer_cancels(v: &Voice, reason: &str) -> String {
    let (fr, en) = match reason {
        r if r.starts_with("not_received") => (
            "Le colis est finalement arrivé ce matin, vous pouvez clore ma demande. Merci !",
            "The parcel finally arrived this morning, you can close my request. Thank you!",
        ),
        r if r.starts_with("missing_items") => (
            "J'ai retrouvé l'article sous le calage du carton, toutes mes excuses pour le dérangement.",
            "I found the item under the cardboard insert, sorry for the trouble.",
        ),
        r if r.starts_with("changed_mind") => (
            "Après réflexion, je garde finalement l'article.",
            "On second thoughts, I am keeping the item.",
        ),
        r if r.starts_with("damaged_in_transit") => (
            "Finalement l'article reste utilisable, je le garde tel quel. Merci !",
            "In the end the item is still usable, I will keep it as it is. Thank you!",
        ),
        r if r.starts_with("defective") => (
            "Le problème ne s'est pas reproduit depuis, je clos ma demande. Merci !",
            "The problem has not happened again since, I am closing my request. Thank you!",
        ),
        "wrong_item.variant" => (
            "Finalement, la taille reçue me va très bien : je la garde.",
            "In the end the size I received fits me well: I am keeping it.",
        ),
        "late_delivery" => (
            "Le cadeau a fait plaisir malgré le retard, je ne demande rien de plus.",
            "The present was a hit despite the delay, I am not asking for anything more.",
        ),
        r if r.starts_with("not_as_described") => (
            "Après l'avoir essayé à nouveau, je le garde finalement.",
            "Having tried it again, I am keeping it after all.",
        ),
        _ => (
            "Merci pour vos explications, je ne souhaite pas donner suite.",
            "Thank you for the explanations, I do not wish to take this further.",
        ),
    };
    v.t(fr.into(), en.into())
}

/// A resolution's note for the buyer (a label).
pub(crate) fn resolution_note(v: &Voice, kind: ResolutionKind, amount: i64) -> String {
    let amount = money(v.lang, amount);
    let (fr, en) = match kind {
        ResolutionKind::ReturnAndRefund => (
            format!(
                "Retour reçu et contrôlé : {amount} remboursés sur votre moyen de paiement d'origine."
            ),
            format!(
                "Return received and checked: {amount} refunded to your original payment method."
            ),
        ),
        ResolutionKind::FullRefund => (
            format!("Remboursement de {amount} effectué sur votre moyen de paiement d'origine."),
            format!("{amount} refunded to your original payment method."),
        ),
        ResolutionKind::PartialRefund => (
            format!("Remboursement partiel de {amount} effectué ; vous conservez l'article."),
            format!("Partial refund of {amount} made; you keep the item."),
        ),
        ResolutionKind::Replacement => (
            "Un article neuf vous a été expédié ce jour, en envoi suivi.".to_owned(),
            "A new item was sent to you today, with tracking.".to_owned(),
        ),
        ResolutionKind::Exchange => (
            "Échange validé : le bon article vous a été expédié ce jour.".to_owned(),
            "Exchange confirmed: the right item was sent to you today.".to_owned(),
        ),
        _ => (
            "Dossier réglé à l'amiable.".to_owned(),
            "Case settled amicably.".to_owned(),
        ),
    };
    v.t(fr, en)
}

/// The merchant refunds without asking for the item back.
pub(crate) fn shop_returnless(v: &Voice, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Compte tenu du montant, inutile de nous renvoyer l'article : nous vous remboursons directement {amount}. Vous pouvez le garder ou en faire don."
        ),
        format!(
            "Given the amount, there is no need to send the item back: we are refunding {amount} straight away. You can keep it or give it away."
        ),
    ))
}
