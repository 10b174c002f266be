//! What buyers and shops write along a return's lifecycle, and the short
//! texts the lifecycle records (receipt notes, deductions, refusal grounds,
//! carrier locations).

use super::Voice;
use crate::demo::catalog::Trade;
use crate::demo::texts::money;

/// The buyer adds a detail while the shop looks at the request.
pub(crate) fn buyer_adds_detail(v: &Voice, reason: &str) -> String {
    v.signed_by_buyer(match reason {
        "not_as_described.size" => v.t(
            "J'ai pourtant suivi le guide des tailles. Je peux vous envoyer mes mesures si cela vous aide.".into(),
            "I did follow the size guide. I can send you my measurements if that helps.".into(),
        ),
        "not_as_described.colour" => v.t(
            "Je peux vous envoyer une photo prise à la lumière du jour : la différence avec la fiche produit est nette.".into(),
            "I can send you a photo taken in daylight: the difference from the product page is clear.".into(),
        ),
        r if r.starts_with("changed_mind") => v.t(
            format!(
                "Je précise que {} n'a pas servi : il est dans son emballage d'origine, avec ses étiquettes.",
                v.item
            ),
            format!(
                "Just to say that {} has not been used: it is in its original packaging, with its tags.",
                v.item
            ),
        ),
        _ => v.t(
            "Je reste disponible si vous avez besoin de photos.".into(),
            "Do let me know if you need photos.".into(),
        ),
    })
}

/// The shop offers a goodwill gesture for keeping the item.
pub(crate) fn shop_offers_to_keep(v: &Voice, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Nous sommes désolés que {} ne corresponde pas tout à fait à ce que vous attendiez. Si vous souhaitez le garder malgré tout, nous vous offrons un bon d'achat de {amount}, valable un an sur toute la boutique. Sinon, dites-le-nous et nous validons votre retour.",
            v.item
        ),
        format!(
            "We are sorry that {} is not quite what you expected. If you would like to keep it all the same, we are offering you a {amount} voucher, valid for a year on the whole shop. Otherwise, just tell us and we will authorise your return.",
            v.item
        ),
    ))
}

pub(crate) fn buyer_keeps_it(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        "Finalement je le garde, et j'accepte volontiers le bon d'achat. Merci pour ce geste !"
            .into(),
        "In the end I will keep it, and I gladly accept the voucher. Thank you for the gesture!"
            .into(),
    ))
}

/// The note of a goodwill gesture (a label).
pub(crate) fn goodwill_note(v: &Voice, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.t(
        format!("Bon d'achat de {amount} : vous gardez l'article."),
        format!("{amount} voucher: you keep the item."),
    )
}

pub(crate) fn buyer_asks_new_label(v: &Voice) -> String {
    v.signed_by_buyer(v.t(
        "Je n'ai pas pu déposer le colis avant la date limite et l'étiquette a expiré. Pouvez-vous m'en envoyer une nouvelle ?".into(),
        "I could not drop the parcel off before the deadline and the label has expired. Could you send me a new one?".into(),
    ))
}

pub(crate) fn shop_parcel_lost(v: &Voice) -> String {
    v.signed_by_shop(v.t(
        "Le transporteur nous confirme que votre colis retour a été perdu pendant l'acheminement. Vous n'y êtes pour rien : nous vous remboursons intégralement dès aujourd'hui.".into(),
        "The carrier confirms that your return parcel was lost in transit. It is not your fault: we are refunding you in full today.".into(),
    ))
}

/// The shop explains what it found when checking the item.
pub(crate) fn shop_explains_deduction(v: &Voice, finding: &str, amount: i64) -> String {
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Votre colis est bien arrivé. Au contrôle, nous avons constaté : {finding}. Nous déduisons {amount} du remboursement pour cette dépréciation, comme le prévoit le code de la consommation (article L221-23) ; le détail figurera sur votre remboursement."
        ),
        format!(
            "Your parcel has arrived. When checking it we found: {finding}. We are deducting {amount} from the refund for this loss of value, as French consumer law allows (article L221-23); the breakdown will appear on your refund."
        ),
    ))
}

pub(crate) fn shop_refuses_return(v: &Voice, ground: &str) -> String {
    v.signed_by_shop(v.t(
        format!(
            "{ground}\nSi vous n'êtes pas d'accord, vous pouvez faire appel à la plateforme depuis votre dossier."
        ),
        format!("{ground}\nIf you disagree, you can ask the platform to step in from your case."),
    ))
}

pub(crate) fn shop_exchange_sent(v: &Voice, size: Option<&str>) -> String {
    let what = match size {
        Some(size) => v.t(format!("la taille {size}"), format!("size {size}")),
        None => v.t("le nouvel article".into(), "the new item".into()),
    };
    v.signed_by_shop(v.t(
        format!(
            "Votre colis retour est bien arrivé : nous vous avons expédié {what} aujourd'hui, sans frais. Vous recevrez le numéro de suivi par e-mail."
        ),
        format!(
            "Your return parcel has arrived: we sent you {what} today, free of charge. You will get the tracking number by e-mail."
        ),
    ))
}

pub(crate) fn shop_store_credit(v: &Voice, amount: i64, bonus_percent: u8) -> String {
    let total = money(v.lang, amount + amount * i64::from(bonus_percent) / 100);
    let amount = money(v.lang, amount);
    v.signed_by_shop(v.t(
        format!(
            "Votre colis retour est bien arrivé. Comme vous l'avez choisi, nous avons crédité votre compte d'un avoir de {amount} majoré de {bonus_percent} %, soit {total} à utiliser sur toute la boutique."
        ),
        format!(
            "Your return parcel has arrived. As you chose, we have credited your account with {amount} of store credit plus {bonus_percent}%, that is {total} to spend on the whole shop."
        ),
    ))
}

/// What a shop finds on an item sent back used, by trade: (receipt note, deduction label).
pub(crate) fn wear(v: &Voice, trade: Trade) -> (String, String) {
    let (fr, en) = match trade {
        Trade::Fashion => ("article porté, étiquette retirée", "worn, tag removed"),
        Trade::Home => (
            "petit éclat sur le bord, emballage d'origine manquant",
            "small chip on the edge, original packaging missing",
        ),
        Trade::Electronics => (
            "rayures sur le boîtier, câble d'origine manquant",
            "scratches on the casing, original cable missing",
        ),
        Trade::Provence => (
            "emballage ouvert, produit entamé",
            "packaging opened, product partly used",
        ),
    };
    let note = v.t(fr.into(), en.into());
    let deduction = v.t(
        format!("Dépréciation : {fr}"),
        format!("Loss of value: {en}"),
    );
    (note, deduction)
}

/// Why a shop refuses an item back after checking it (a label).
pub(crate) fn refusal_ground(v: &Voice, trade: Trade) -> String {
    let (fr, en) = match trade {
        Trade::Fashion => (
            "L'article nous est revenu porté et lavé, sans ses étiquettes : il ne peut plus être vendu. Nous vous le renvoyons à nos frais.",
            "The item came back worn and washed, without its tags: it can no longer be sold. We are sending it back to you at our expense.",
        ),
        Trade::Home => (
            "L'objet nous est revenu cassé, emballé sans protection : il ne peut plus être vendu. Nous vous le renvoyons à nos frais.",
            "The item came back broken, packed without protection: it can no longer be sold. We are sending it back to you at our expense.",
        ),
        Trade::Electronics => (
            "L'appareil nous est revenu l'écran fissuré et encore lié à votre compte : il ne peut plus être vendu. Nous vous le renvoyons à nos frais.",
            "The device came back with a cracked screen and still linked to your account: it can no longer be sold. We are sending it back to you at our expense.",
        ),
        Trade::Provence => (
            "Les produits nous sont revenus ouverts et largement entamés : ils ne peuvent plus être vendus. Nous vous les renvoyons à nos frais.",
            "The products came back opened and largely used: they can no longer be sold. We are sending them back to you at our expense.",
        ),
    };
    v.t(fr.into(), en.into())
}

/// Where the carrier scanned the parcel (carrier data: always French).
pub(crate) fn drop_off_point(town: &str) -> String {
    format!("Bureau de poste – {town}")
}

pub(crate) fn delivery_point(town: &str) -> String {
    format!("Agence colis – {town}")
}

pub(crate) fn lost_at() -> String {
    "Plateforme de tri colis – enquête perte close".into()
}
