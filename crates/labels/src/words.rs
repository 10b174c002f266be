//! Every word printed on a label, in French and English.

use crate::{LabelSpec, Language};

/// Fixed words of a label and its A4 page.
pub(crate) struct Words {
    pub(crate) document_title: &'static str,
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
    pub(crate) parcel: &'static str,
    pub(crate) order: &'static str,
    pub(crate) issued_on: &'static str,
    pub(crate) tracking: &'static str,
    pub(crate) drop_off_before: &'static str,
    pub(crate) instructions_title: &'static str,
    pub(crate) scan_to_follow: &'static str,
    pub(crate) cut_here: &'static str,
    pub(crate) packing_slip_title: &'static str,
    pub(crate) packing_slip_hint: &'static str,
    pub(crate) return_reference: &'static str,
    pub(crate) customer: &'static str,
    pub(crate) items: &'static str,
    pub(crate) no_items: &'static str,
    decimal_separator: char,
}

const FRENCH: Words = Words {
    document_title: "Étiquette retour",
    from: "EXPÉDITEUR",
    to: "DESTINATAIRE",
    parcel: "Colis",
    order: "N° DE COMMANDE",
    issued_on: "ÉMISE LE",
    tracking: "N° de suivi",
    drop_off_before: "À déposer avant le",
    instructions_title: "Comment renvoyer votre colis",
    scan_to_follow: "Scannez le QR code de l'étiquette pour suivre votre retour.",
    cut_here: "Découper suivant les pointillés",
    packing_slip_title: "Bon de retour",
    packing_slip_hint: "À découper et à glisser dans le colis, avec les articles.",
    return_reference: "RÉFÉRENCE DU RETOUR",
    customer: "CLIENT",
    items: "Articles retournés",
    no_items: "Aucun article indiqué.",
    decimal_separator: ',',
};

const ENGLISH: Words = Words {
    document_title: "Return label",
    from: "FROM",
    to: "TO",
    parcel: "Parcel",
    order: "ORDER NO.",
    issued_on: "ISSUED ON",
    tracking: "Tracking no.",
    drop_off_before: "Drop off before",
    instructions_title: "How to send your parcel back",
    scan_to_follow: "Scan the QR code on the label to follow your return.",
    cut_here: "Cut along the dotted lines",
    packing_slip_title: "Return slip",
    packing_slip_hint: "Cut out and put inside the parcel, with the items.",
    return_reference: "RETURN REFERENCE",
    customer: "CUSTOMER",
    items: "Items returned",
    no_items: "No items listed.",
    decimal_separator: '.',
};

impl Words {
    pub(crate) fn of(language: Language) -> &'static Words {
        match language {
            Language::Fr => &FRENCH,
            Language::En => &ENGLISH,
        }
    }

    /// `grams` as kilograms with three decimals: "1,250 kg" or "1.250 kg".
    pub(crate) fn weight(&self, grams: u32) -> String {
        format!(
            "{}{}{:03} kg",
            grams / 1000,
            self.decimal_separator,
            grams % 1000
        )
    }
}

/// The line under the instructions title: which return and which order.
pub(crate) fn return_summary(spec: &LabelSpec) -> String {
    match spec.language {
        Language::Fr => format!("Retour {} · commande {}", spec.rma, spec.order_reference),
        Language::En => format!("Return {} · order {}", spec.rma, spec.order_reference),
    }
}

/// The last line of a packing slip whose item list was cut.
pub(crate) fn more_items(language: Language, count: usize) -> String {
    match (language, count) {
        (Language::Fr, 1) => "… et 1 autre article".to_owned(),
        (Language::Fr, _) => format!("… et {count} autres articles"),
        (Language::En, 1) => "… and 1 more item".to_owned(),
        (Language::En, _) => format!("… and {count} more items"),
    }
}

/// The numbered steps printed beside the label on an A4 page.
pub(crate) fn steps(spec: &LabelSpec) -> Vec<String> {
    match spec.language {
        Language::Fr => vec![
            "Imprimez cette page et découpez l'étiquette suivant les pointillés.".to_owned(),
            "Emballez les articles avec soin, si possible dans leur emballage d'origine, \
             et glissez le bon de retour dans le colis."
                .to_owned(),
            "Collez l'étiquette bien à plat sur le plus grand côté du colis, sans \
             recouvrir le code-barres ni le QR code. Masquez ou retirez les anciennes \
             étiquettes."
                .to_owned(),
            format!(
                "Déposez le colis auprès de {} avant le {}.",
                spec.carrier_name, spec.expires_on
            ),
            format!(
                "Gardez la preuve de dépôt : votre numéro de suivi est le {}.",
                spec.tracking_number
            ),
        ],
        Language::En => vec![
            "Print this page and cut the label out along the dotted lines.".to_owned(),
            "Pack the items carefully, in their original packaging if you can, and put \
             the return slip inside the parcel."
                .to_owned(),
            "Stick the label flat on the largest side of the parcel, without covering \
             the barcode or the QR code. Cover or remove any old labels."
                .to_owned(),
            format!(
                "Drop the parcel off with {} before {}.",
                spec.carrier_name, spec.expires_on
            ),
            format!(
                "Keep the proof of drop-off: your tracking number is {}.",
                spec.tracking_number
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_is_printed_in_kilograms_with_three_decimals() {
        assert_eq!(Words::of(Language::Fr).weight(1250), "1,250 kg");
        assert_eq!(Words::of(Language::En).weight(1250), "1.250 kg");
        assert_eq!(Words::of(Language::Fr).weight(75), "0,075 kg");
        assert_eq!(Words::of(Language::En).weight(12_000), "12.000 kg");
    }
}
