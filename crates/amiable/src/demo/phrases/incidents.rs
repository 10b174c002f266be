//! What people write around an incident's responsibility, the carrier claim,
//! the replacement parcel, late delivery and goodwill approvals, and around a
//! mediation in private channels, a decision the marketplace pays and an
//! appeal. Grounds and decisions are shown to both parties: they are in the
//! buyer's language; what passes between the mediator and the shop in private
//! is in French.

use super::Voice;
use crate::demo::catalog::{MEDIATOR_NAME, MEDIATOR_WEBSITE, OPERATOR_NAME};
use crate::demo::texts::{Lang, money};

/// "Médiatrice – Le Marché des Créateurs", in French whatever the buyer's language.
fn mediator_sign_fr(name: &str, female: bool) -> String {
    let role = if female { "Médiatrice" } else { "Médiateur" };
    format!("{name}\n{role} – {OPERATOR_NAME}")
}

fn shop_sign_fr(v: &Voice) -> String {
    format!(
        "Bien cordialement,\n{} – service client {}",
        v.agent, v.shop
    )
}

// ---- Responsibility: the grounds shown to both parties ----------------

/// The merchant packed another product.
pub(crate) fn grounds_wrong_item(v: &Voice, slip: &str) -> String {
    v.t(
        format!(
            "Erreur de préparation dans notre atelier : le bon de préparation {slip} montre qu'une autre référence a été emballée à la place de {}. L'erreur nous incombe.",
            v.item
        ),
        format!(
            "A packing mistake in our workshop: picking slip {slip} shows another product was packed instead of {}. The mistake is ours.",
            v.item
        ),
    )
}

/// The merchant packed another size.
pub(crate) fn grounds_wrong_size(v: &Voice, sent: &str, slip: &str) -> String {
    v.t(
        format!(
            "Erreur de préparation : la taille {sent} a été emballée à la place de celle commandée pour {} (bon de préparation {slip}). L'erreur nous incombe.",
            v.item
        ),
        format!(
            "A packing mistake: size {sent} was packed instead of the one ordered for {} (picking slip {slip}). The mistake is ours.",
            v.item
        ),
    )
}

/// The carrier lost the parcel, as its enquiry concluded.
pub(crate) fn grounds_parcel_lost(v: &Voice, enquiry: &str) -> String {
    v.t(
        format!(
            "{} a confirmé la perte du colis {} à l'issue de son enquête {enquiry} : dernier scan sur sa plateforme de tri au lendemain de l'expédition du {}, aucune livraison ensuite. Le colis ne vous a jamais été remis ; le risque du transport reste à notre charge.",
            v.carrier, v.tracking, v.shipped
        ),
        format!(
            "{} confirmed that parcel {} was lost, at the end of its enquiry {enquiry}: last scanned at its sorting hub the day after it was sent on {}, never delivered. The parcel never reached you; the transport risk stays with us.",
            v.carrier, v.tracking, v.shipped
        ),
    )
}

/// The carrier broke the item; the shop protested in time.
pub(crate) fn grounds_damaged(v: &Voice, reserves_on: &str) -> String {
    v.t(
        format!(
            "Le colis a quitté notre atelier en bon état, calé et emballé en double carton ; vos photos montrent un carton enfoncé et l'article endommagé à l'arrivée ({}). Le dommage est survenu pendant le transport : nous avons adressé des réserves motivées à {} le {reserves_on}, dans le délai de trois jours.",
            v.item, v.carrier
        ),
        format!(
            "The parcel left our workshop in good condition, packed in a double box with padding; your photos show a dented box and the item damaged on arrival ({}). The damage happened in transit: we sent {} a reasoned protest on {reserves_on}, within the three-day limit.",
            v.item, v.carrier
        ),
    )
}

/// The carrier held the parcel up (or damaged it, for a parcel that was not late).
pub(crate) fn grounds_carrier_fault(v: &Voice, reason: &str) -> String {
    if reason == "late_delivery" {
        v.t(
            format!(
                "Le colis a été remis à {} le {}, dans les délais ; son suivi montre qu'il est resté bloqué plusieurs jours dans un centre de tri avant d'être livré le {}. Le retard est imputable au transporteur.",
                v.carrier, v.shipped, v.delivered
            ),
            format!(
                "The parcel was handed to {} on {}, on time; its tracking shows it stuck for several days in a sorting centre before being delivered on {}. The delay is down to the carrier.",
                v.carrier, v.shipped, v.delivered
            ),
        )
    } else {
        v.t(
            format!(
                "Le colis a été remis en bon état à {} le {} et il vous est parvenu abîmé, comme le montrent vos photos : le dommage est imputable au transporteur.",
                v.carrier, v.shipped
            ),
            format!(
                "The parcel was handed to {} in good condition on {} and reached you damaged, as your photos show: the damage is down to the carrier.",
                v.carrier, v.shipped
            ),
        )
    }
}

/// Nobody can say what went wrong.
pub(crate) fn grounds_unknown(v: &Voice, reason: &str) -> String {
    if reason == "late_delivery" {
        v.t(
            format!(
                "Le colis a été remis à {} le {}, dans les délais. Son suivi ne montre aucun mouvement pendant plusieurs jours et le transporteur n'a pas su l'expliquer : la cause du retard n'est pas établie.",
                v.carrier, v.shipped
            ),
            format!(
                "The parcel was handed to {} on {}, on time. Its tracking shows no movement for several days and the carrier could not explain why: the cause of the delay is not established.",
                v.carrier, v.shipped
            ),
        )
    } else {
        v.t(
            format!(
                "Le colis est parti de notre atelier en bon état (photo prise à l'emballage) et {} n'a relevé aucune anomalie pendant l'acheminement ni à la livraison : nous ne pouvons pas établir où le carton a été écrasé.",
                v.carrier
            ),
            format!(
                "The parcel left our workshop in good condition (photo taken at packing) and {} recorded nothing unusual in transit or at delivery: we cannot tell where the box was crushed.",
                v.carrier
            ),
        )
    }
}

/// Delivery proven at the buyer's address: the buyer answers for the parcel.
pub(crate) fn grounds_delivery_proven(v: &Voice, when: &str, address: &str) -> String {
    v.t(
        format!(
            "Le suivi {} {} indique une remise en main propre le {when}, contre signature, à l'adresse de livraison saisie lors de la commande ({address}). La preuve de livraison du transporteur (signature et photo du livreur) est jointe au dossier : la livraison est établie.",
            v.carrier, v.tracking
        ),
        format!(
            "{} tracking {} shows the parcel handed over on {when}, against signature, at the delivery address given with the order ({address}). The carrier's proof of delivery (signature and the driver's photo) is in the case file: delivery is established.",
            v.carrier, v.tracking
        ),
    )
}

// ---- Customer service -------------------------------------------------

/// The shop owns up to a wrong item and refunds it.
pub(crate) fn shop_wrong_item_refund(v: &Voice, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Toutes nos excuses : nous avons vérifié votre commande, et c'est bien une erreur de préparation de notre part. Nous vous proposons le remboursement de {}, soit {amount}. Inutile de nous renvoyer l'article reçu par erreur : vous pouvez le garder ou en faire don.",
            v.item
        ),
        format!(
            "Our apologies: we checked your order, and it was indeed a packing mistake on our side. We can refund {}, that is {amount}. There is no need to send back the item you got by mistake: keep it or give it away.",
            v.item
        ),
    ))
}

/// The right size is on its way.
pub(crate) fn shop_reshipped(v: &Voice, carrier: &str, tracking: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Toutes nos excuses pour cette erreur. La bonne taille vous a été expédiée ce jour en {carrier}, numéro de suivi {tracking}. Une étiquette prépayée est jointe au colis pour nous renvoyer l'article reçu par erreur, sans frais."
        ),
        format!(
            "Our apologies for this mistake. The right size was sent to you today with {carrier}, tracking number {tracking}. A prepaid label is in the parcel so you can send back the item you got by mistake, free of charge."
        ),
    ))
}

/// The shop sent a new item for a damaged one and asks the buyer to agree.
pub(crate) fn shop_reship_offer(v: &Voice, carrier: &str, tracking: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Merci pour vos photos. Pour ne pas vous faire attendre, nous vous avons expédié ce jour un article neuf en remplacement de {}, en {carrier}, numéro de suivi {tracking}, sans frais. Inutile de nous renvoyer l'article abîmé. Si cette solution vous convient, il vous suffit de l'accepter.",
            v.item
        ),
        format!(
            "Thank you for the photos. So you do not have to wait, we sent you a new {} today as a replacement, with {carrier}, tracking number {tracking}, free of charge. No need to send back the damaged one. If this suits you, simply accept it.",
            v.item
        ),
    ))
}

/// The replacement was lost: the shop refunds the item.
pub(crate) fn shop_replacement_lost(v: &Voice, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Nous sommes vraiment désolés : le transporteur vient de nous signaler que le colis de remplacement a été perdu. Plutôt que de vous faire attendre un nouvel envoi, nous vous remboursons aujourd'hui {}, soit {amount}.",
            v.item
        ),
        format!(
            "We are truly sorry: the carrier has just told us the replacement parcel was lost. Rather than make you wait for another one, we are refunding {} today, {amount}.",
            v.item
        ),
    ))
}

/// The shop refunds a parcel the carrier lost.
pub(crate) fn shop_refunds_lost(v: &Voice, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "{} nous confirme que votre colis a été perdu. Vous n'y êtes pour rien : nous vous remboursons aujourd'hui l'intégralité de votre commande, soit {amount}, sur votre moyen de paiement d'origine. Nous faisons notre affaire de la réclamation auprès du transporteur.",
            v.carrier
        ),
        format!(
            "{} confirms your parcel was lost. It is not your fault: we are refunding your whole order today, {amount}, to your original payment method. We will take the claim up with the carrier ourselves.",
            v.carrier
        ),
    ))
}

pub(crate) fn buyer_sends_photos(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        "Voici les photos du carton et de l'article, prises à l'ouverture du colis devant le livreur.".into(),
        "Here are the photos of the box and the item, taken when I opened the parcel in front of the driver.".into(),
    ))
}

/// The shop offers terms for an item damaged in transit, photos in hand.
pub(crate) fn shop_offers_for_damage(v: &Voice, offer: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Merci pour vos photos, qui nous ont permis d'ouvrir une réclamation auprès de {}. Nous vous proposons {offer}. Si vous préférez un remplacement, dites-le-nous simplement.",
            v.carrier
        ),
        format!(
            "Thank you for the photos: they let us file a claim with {}. We can offer you {offer}. If you would rather have a replacement, just tell us.",
            v.carrier
        ),
    ))
}

/// The shop looks into what went wrong before saying who answers for it.
pub(crate) fn shop_looks_into(v: &Voice, reason: &str) -> String {
    let what = if reason == "late_delivery" {
        v.t(
            "Toutes nos excuses pour ce retard.".into(),
            "We apologise for the delay.".into(),
        )
    } else {
        v.t(
            "Nous sommes désolés que votre colis soit arrivé dans cet état.".into(),
            "We are sorry your parcel arrived in this state.".into(),
        )
    };
    v.signed_by_shop(v.t(
        format!(
            "{what} Votre colis a pourtant quitté notre atelier le {}, comme prévu ; nous interrogeons {} pour comprendre ce qui s'est passé et revenons vers vous très vite.",
            v.shipped, v.carrier
        ),
        format!(
            "{what} Your parcel left our workshop on {} as planned; we are asking {} what happened and will get back to you very soon.",
            v.shipped, v.carrier
        ),
    ))
}

/// A gesture when nobody can say what went wrong.
pub(crate) fn shop_offers_gesture_anyway(v: &Voice, offer: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "{} n'a pas pu nous dire ce qui s'est passé, et nous ne voulons pas que vous en fassiez les frais : nous vous proposons {offer}, à titre de geste commercial.",
            v.carrier
        ),
        format!(
            "{} could not tell us what happened, and we do not want you to pay for it: we can offer you {offer}, as a goodwill gesture.",
            v.carrier
        ),
    ))
}

/// The buyer is told the agreed gesture waits for the manager's approval.
pub(crate) fn shop_gesture_pending(v: &Voice) -> String {
    v.signed_by_shop(v.t(
        "Merci pour votre accord. Votre geste commercial est en cours de validation par notre responsable : vous le recevrez par e-mail sous 48 heures.".into(),
        "Thank you for agreeing. Your goodwill gesture is being approved by our manager: you will receive it by e-mail within 48 hours.".into(),
    ))
}

/// The proof of delivery, told to the buyer.
pub(crate) fn shop_shares_proof(v: &Voice, when: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Nous avons reçu la preuve de livraison de {} : le colis a été remis contre signature le {when}, à votre adresse. Peut-être a-t-il été réceptionné par un proche ou un voisin ? N'hésitez pas à vérifier autour de vous et à revenir vers nous.",
            v.carrier
        ),
        format!(
            "We have received {}'s proof of delivery: the parcel was signed for on {when}, at your address. Perhaps someone at home or a neighbour took it in? Do check around you and let us know.",
            v.carrier
        ),
    ))
}

pub(crate) fn buyer_found_parcel(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        "Toutes mes excuses : mon conjoint avait réceptionné le colis en mon absence et l'avait rangé sans me prévenir. Vous pouvez clore ma demande, merci pour votre patience.".into(),
        "My apologies: my partner signed for the parcel while I was out and put it away without telling me. You can close my request; thank you for your patience.".into(),
    ))
}

/// A label: why the buyer withdraws.
pub(crate) fn parcel_found(v: &Voice) -> String {
    v.t(
        "Colis retrouvé : il avait été réceptionné par un proche.".into(),
        "Parcel found: someone at home had signed for it.".into(),
    )
}

/// The note of a goodwill gesture (a label).
pub(crate) fn gesture_note(v: &Voice, shipping_refund: bool, amount: i64) -> String {
    let amount = money(v.lang, amount);
    if shipping_refund {
        v.t(
            format!("Frais de port remboursés ({amount}) à titre de geste commercial."),
            format!("Delivery charge refunded ({amount}) as a goodwill gesture."),
        )
    } else {
        v.t(
            format!("Bon d'achat de {amount} valable un an, à titre de geste commercial."),
            format!("{amount} voucher valid for a year, as a goodwill gesture."),
        )
    }
}

// ---- Late delivery (C. conso L216-1, L216-6, L216-7) --------------------

pub(crate) fn buyer_still_waiting(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        format!(
            "Ma commande {} du {} n'est toujours pas livrée. Elle a été expédiée le {} en {} (suivi {}), mais le suivi n'évolue plus depuis. Le délai de livraison de 30 jours est dépassé : pouvez-vous me dire quand je la recevrai ?",
            v.order_ref, v.placed, v.shipped, v.carrier, v.tracking
        ),
        format!(
            "My order {} of {} has still not been delivered. It was sent on {} with {} (tracking {}), but the tracking has not moved since. The 30-day delivery period has passed: could you tell me when I will receive it?",
            v.order_ref, v.placed, v.shipped, v.carrier, v.tracking
        ),
    ))
}

pub(crate) fn shop_parcel_held_up(v: &Voice) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Toutes nos excuses pour ce retard. Votre colis {} est bloqué chez {} : nous avons ouvert une enquête et relancé le transporteur. Nous revenons vers vous dès que nous avons du nouveau.",
            v.tracking, v.carrier
        ),
        format!(
            "We apologise for the delay. Your parcel {} is held up at {}: we have opened an enquiry and chased the carrier. We will get back to you as soon as we hear more.",
            v.tracking, v.carrier
        ),
    ))
}

/// The buyer's new, reasonable deadline (L216-6).
pub(crate) fn buyer_sets_deadline(v: &Voice, deadline: &str) -> String {
    v.signed_by_buyer(v.t(
        format!(
            "Je vous demande de me livrer au plus tard le {deadline}, comme le prévoit l'article L216-6 du code de la consommation. Passé cette date, j'annulerai ma commande et vous en demanderai le remboursement intégral."
        ),
        format!(
            "I am asking you to deliver by {deadline} at the latest, as article L216-6 of the French Consumer Code provides. After that date, I will cancel my order and ask for a full refund."
        ),
    ))
}

pub(crate) fn shop_chased_carrier(v: &Voice) -> String {
    v.signed_by_shop(v.t(
        format!(
            "Nous avons relancé {} ce matin : l'enquête est toujours en cours. Nous faisons notre possible pour que le colis vous parvienne à temps.",
            v.carrier
        ),
        format!(
            "We chased {} again this morning: the enquiry is still open. We are doing all we can for the parcel to reach you in time.",
            v.carrier
        ),
    ))
}

/// The buyer cancels once the new deadline passed (L216-6) and asks for the refund (L216-7).
pub(crate) fn buyer_cancels_late(v: &Voice, deadline: &str) -> String {
    v.signed_by_buyer(v.t(
        format!(
            "Le {deadline} est passé sans livraison : j'annule ma commande, conformément à l'article L216-6 du code de la consommation, et vous demande le remboursement de toutes les sommes versées sous 14 jours (article L216-7)."
        ),
        format!(
            "{deadline} has passed with no delivery: I am cancelling my order under article L216-6 of the French Consumer Code, and ask for everything I paid to be refunded within 14 days (article L216-7)."
        ),
    ))
}

pub(crate) fn shop_refund_due(v: &Voice, amount: i64, due: &str) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Nous prenons acte de l'annulation de votre commande et vous présentons à nouveau nos excuses. Nous vous rembourserons {amount} sur votre moyen de paiement d'origine au plus tard le {due}."
        ),
        format!(
            "We note that you have cancelled your order, and apologise again. We will refund {amount} to your original payment method by {due} at the latest."
        ),
    ))
}

// ---- Mediation, decision and appeal ------------------------------------

/// The mediator asks the shop, in private, for the full proof of delivery by a date.
pub(crate) fn mediator_requests_proof(v: &Voice, due: &str) -> String {
    format!(
        "Bonjour l'équipe {},\nPour instruire ce dossier, merci de me transmettre d'ici le {due} la preuve de livraison complète du colis {} : signature du destinataire, photo de dépôt ou géolocalisation du livreur. Une simple mention « livré » ne suffit pas : tant que la remise au client n'est pas prouvée, le risque du transport reste à la charge du vendeur (article L216-2 du code de la consommation).\nCe message n'est visible que par vous.\n{}",
        v.shop,
        v.tracking,
        mediator_sign_fr(v.mediator, v.mediator_female)
    )
}

/// The shop answers the mediator in private.
pub(crate) fn shop_private_proof(v: &Voice, delivered: &str) -> String {
    let first = v.mediator.split(' ').next().unwrap_or(v.mediator);
    format!(
        "Bonjour {first},\nVoici ce que {} nous a transmis : le colis a été déposé en boîte aux lettres le {delivered} à 11 h 52, sans signature. Le transporteur n'a ni photo de dépôt ni géolocalisation pour cette tournée. Nous n'avons pas d'autre justificatif, mais nous restons convaincus que le colis a bien été livré.\n{}",
        v.carrier,
        shop_sign_fr(v)
    )
}

/// The mediator asks the buyer a question in private.
pub(crate) fn mediator_asks_buyer(v: &Voice) -> String {
    let body = v.t(
        format!(
            "Bonjour {},\nPour compléter le dossier, pouvez-vous me confirmer que votre nom figure sur votre boîte aux lettres et que personne d'autre n'a pu réceptionner le colis ? Ce message n'est visible que par vous.",
            v.civil
        ),
        format!(
            "Hello {},\nTo complete the file, could you confirm that your name is on your letterbox and that nobody else could have taken the parcel in? Only you can see this message.",
            v.civil
        ),
    );
    format!("{body}\n{}", v.mediator_sign())
}

pub(crate) fn buyer_private_answer(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        "Oui, mon nom figure sur la boîte aux lettres, qui ferme à clé. Personne chez moi n'a reçu ce colis, et la gardienne de l'immeuble n'a rien vu passer.".into(),
        "Yes, my name is on the letterbox, which locks. Nobody at home received this parcel, and the building's caretaker did not see it either.".into(),
    ))
}

/// The grounds of a decision the marketplace pays and recovers from the shop.
pub(crate) fn rationale_not_proven(v: &Voice, delivered: &str) -> String {
    v.t(
        format!(
            "{} indique une remise en boîte aux lettres le {delivered}, sans signature, sans photo ni géolocalisation, et le vendeur n'a pas produit d'autre preuve dans le délai demandé. Cette mention ne prouve pas que {} a pris physiquement possession du colis : jusque-là, le risque de perte reste à la charge du vendeur (article L216-2 du code de la consommation). Conformément à l'article 9.2 des conditions générales marchands, la plateforme rembourse l'acheteur sans attendre et refacture ce montant au vendeur.",
            v.carrier, v.civil
        ),
        format!(
            "{} reports the parcel left in the letterbox on {delivered}, with no signature, photo or location, and the seller produced no other proof by the date set. This does not show that {} physically took possession of the parcel: until then, the risk of loss stays with the seller (article L216-2 of the French Consumer Code). Under article 9.2 of the merchant terms, the platform refunds the buyer at once and recovers the amount from the seller.",
            v.carrier, v.civil
        ),
    )
}

/// The shop appeals the decision.
pub(crate) fn shop_appeals(v: &Voice) -> String {
    v.t(
        format!(
            "Nous contestons cette décision et la refacturation qui l'accompagne. {} atteste la livraison à l'adresse indiquée par l'acheteur et aucune anomalie n'a été signalée sur la tournée. Nous demandons qu'un autre médiateur réexamine le dossier.",
            v.carrier
        ),
        format!(
            "We contest this decision and the recovery that comes with it. {} certifies delivery at the address the buyer gave, and nothing unusual was reported on the round. We ask for another mediator to review the case.",
            v.carrier
        ),
    )
}

/// The first mediator acknowledges the appeal: someone else will hear it.
pub(crate) fn appeal_lodged(v: &Voice) -> String {
    v.signed_by_mediator(v.t(
        format!(
            "Le recours de {} a bien été enregistré. Il sera examiné par un autre membre de l'équipe de médiation, qui n'a pas pris part à la décision. D'ici là, le remboursement versé reste acquis.",
            v.shop
        ),
        format!(
            "{}'s appeal has been recorded. Another member of the mediation team, who took no part in the decision, will hear it. Meanwhile, the refund paid stands.",
            v.shop
        ),
    ))
}

/// The grounds of the appeal's dismissal, by the second mediator.
pub(crate) fn appeal_dismissed(v: &Voice, female: bool) -> String {
    let (fr_who, en_who) = if female {
        ("une seconde médiatrice", "a second mediator")
    } else {
        ("un second médiateur", "a second mediator")
    };
    v.t(
        format!(
            "Recours examiné par {fr_who}, qui n'a pas pris part à la décision. Le vendeur n'apporte aucun élément nouveau : la mention « livré » du transporteur, sans signature ni photo, ne prouve pas la remise du colis à l'acheteur (C. conso L216-2 ; Cass. 1re civ., 3 février 2021, n° 19-21.046). La décision est maintenue, ainsi que la refacturation au vendeur ; elle est définitive au sein de la plateforme."
        ),
        format!(
            "Appeal heard by {en_who}, who took no part in the decision. The seller brings nothing new: the carrier's \"delivered\" status, with no signature or photo, does not prove the parcel reached the buyer (French Consumer Code L216-2; Cour de cassation, 1st civil chamber, 3 February 2021, no. 19-21.046). The decision stands, and so does the recovery from the seller; it is final within the platform."
        ),
    )
}

/// The second mediator tells both parties, and names the consumer mediator.
pub(crate) fn appeal_closing(v: &Voice, name: &str, female: bool, amount: i64) -> String {
    let amount = money(v.lang, amount);
    let hello = v.t(
        format!("Bonjour {}, bonjour l'équipe {},", v.civil, v.shop),
        format!("Hello {}, hello {} team,", v.civil, v.shop),
    );
    let body = v.t(
        format!(
            "J'ai examiné le recours formé par {} : la décision est maintenue et le remboursement de {amount} reste acquis. La décision est désormais définitive au sein de la plateforme. Si cette issue ne vous satisfait pas, vous pouvez saisir gratuitement le médiateur de la consommation, {MEDIATOR_NAME} ({MEDIATOR_WEBSITE}).",
            v.shop
        ),
        format!(
            "I have heard {}'s appeal: the decision stands and the {amount} refund remains yours. The decision is now final within the platform. If you are not satisfied with this outcome, you may refer the case free of charge to the consumer mediator, {MEDIATOR_NAME} ({MEDIATOR_WEBSITE}).",
            v.shop
        ),
    );
    let role = match (v.lang, female) {
        (Lang::Fr, true) => "Médiatrice",
        (Lang::Fr, false) => "Médiateur",
        (Lang::En, _) => "Mediator",
    };
    format!("{hello}\n{body}\n{name}\n{role} – {OPERATOR_NAME}")
}

// ---- Internal notes (French only) --------------------------------------

pub(crate) fn note_claim_paid(carrier: &str, reference: &str, amount: i64) -> String {
    format!(
        "Indemnisation {carrier} reçue pour la réclamation {reference} : {} versés sur le compte de la boutique.",
        money(Lang::Fr, amount)
    )
}

pub(crate) fn note_approval_asked(amount: i64, threshold: i64) -> String {
    format!(
        "Geste de {} au-dessus du seuil de validation de {} fixé par la boutique : validation demandée à la gérance.",
        money(Lang::Fr, amount),
        money(Lang::Fr, threshold)
    )
}
