//! The demo marketplace's fixed data: the operator, its merchants and their
//! catalogues, carriers, and the names buyers are drawn from.
//!
//! Every person, company, address and phone number here is invented. Phone
//! numbers use the ranges ARCEP reserves for fiction (01 99 00, 04 65 71,
//! 05 36 49, 06 39 98 …) and e-mail domains are demo or `example` domains.

use amiable_domain::case::{GoodwillBudget, ResolutionKind};
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::LineFlag;
use amiable_domain::returns::{AutoApproval, RestockingFee, ReturnPolicy, ReturnShipping};
use serde_json::{Value, json};

pub(crate) const OPERATOR_SLUG: &str = "marche-des-createurs";
pub(crate) const OPERATOR_NAME: &str = "Le Marché des Créateurs";
/// Prefix of the marketplace's order numbers ("MDC-2026-004512").
pub(crate) const ORDER_PREFIX: &str = "MDC";

/// A mediator of the marketplace (an operator user).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mediator {
    pub id: &'static str,
    pub name: &'static str,
    pub female: bool,
}

/// The marketplace's mediators who log in to the demo (the staff accounts `demo-user-2`
/// and `demo-user-5`): the first decides, the second hears appeals against the first.
pub(crate) static STAFF_MEDIATORS: [Mediator; 2] = [
    Mediator {
        id: "demo-user-2",
        name: "Hugo Lefèvre",
        female: false,
    },
    Mediator {
        id: "demo-user-5",
        name: "Nadia Perrin",
        female: true,
    },
];

pub(crate) const MEDIATORS: &[Mediator] = &[
    Mediator {
        id: "claire.fontaine@marche-des-createurs",
        name: "Claire Fontaine",
        female: true,
    },
    Mediator {
        id: "hugo.lemaire@marche-des-createurs",
        name: "Hugo Lemaire",
        female: false,
    },
];

/// The consumer mediator the marketplace names (C. conso L612-1, L616-1). Invented.
pub(crate) const MEDIATOR_NAME: &str = "Médiation du Commerce Connecté";
pub(crate) const MEDIATOR_WEBSITE: &str = "https://mediation-commerce-connecte.example";

/// Operator reasons under the built-in ones: (code, French label, English label).
pub(crate) const CUSTOM_REASONS: &[(&str, &str, &str)] = &[
    (
        "defective.battery",
        "Batterie défectueuse",
        "Faulty battery",
    ),
    ("defective.screen", "Écran défectueux", "Faulty screen"),
    (
        "defective.stitching",
        "Couture défaite",
        "Seam coming apart",
    ),
    (
        "not_as_described.colour",
        "Couleur différente de la photo",
        "Colour differs from the photo",
    ),
    (
        "not_as_described.size",
        "Taille non conforme au guide des tailles",
        "Size does not match the size guide",
    ),
    (
        "not_as_described.material",
        "Matière non conforme à la fiche produit",
        "Material differs from the product page",
    ),
    (
        "damaged_in_transit.broken",
        "Article cassé à la réception",
        "Item broken on arrival",
    ),
    (
        "damaged_in_transit.crushed_parcel",
        "Colis écrasé ou ouvert",
        "Parcel crushed or opened",
    ),
    (
        "damaged_in_transit.cold_chain",
        "Rupture de la chaîne du froid",
        "Cold chain broken",
    ),
    (
        "not_received.marked_delivered",
        "Indiqué livré mais non reçu",
        "Marked as delivered but not received",
    ),
    (
        "not_received.relay_point",
        "Colis introuvable au point relais",
        "Parcel missing at the pick-up point",
    ),
    (
        "changed_mind.size_exchange",
        "Échange de taille",
        "Size exchange",
    ),
    (
        "wrong_item.variant",
        "Mauvaise variante (taille, couleur)",
        "Wrong variant (size, colour)",
    ),
    (
        "missing_items.accessory",
        "Accessoire manquant",
        "Missing accessory",
    ),
];

/// The product categories each operator reason fits (the others fit every product):
/// a buyer returning socks is not offered « Batterie défectueuse ».
const REASON_CATEGORIES: &[(&str, &[&str])] = &[
    ("defective.battery", HIGH_TECH),
    (
        "defective.screen",
        &[
            "informatique",
            "tablettes et liseuses",
            "téléphonie",
            "objets connectés",
        ],
    ),
    ("defective.stitching", TEXTILE),
    (
        "not_as_described.colour",
        &[
            "vêtements",
            "accessoires",
            "maillots de bain",
            "chaussures",
            "seconde main",
            "linge de maison",
            "décoration",
            "bijoux",
        ],
    ),
    (
        "not_as_described.material",
        &[
            "vêtements",
            "accessoires",
            "maillots de bain",
            "chaussures",
            "seconde main",
            "linge de maison",
            "décoration",
            "mobilier",
            "art de la table",
        ],
    ),
    ("not_as_described.size", SIZED),
    ("changed_mind.size_exchange", SIZED),
    ("wrong_item.variant", SIZED),
    (
        "damaged_in_transit.broken",
        &[
            "décoration",
            "art de la table",
            "luminaires",
            "mobilier",
            "informatique",
            "audio",
            "tablettes et liseuses",
            "téléphonie",
            "objets connectés",
            "parfums",
            "cosmétiques",
            "épicerie fine",
        ],
    ),
    (
        "damaged_in_transit.cold_chain",
        &["crèmerie", "épicerie fine"],
    ),
    ("missing_items.accessory", HIGH_TECH),
];
const HIGH_TECH: &[&str] = &[
    "informatique",
    "audio",
    "accessoires high-tech",
    "tablettes et liseuses",
    "téléphonie",
    "objets connectés",
];
const TEXTILE: &[&str] = &[
    "vêtements",
    "accessoires",
    "maillots de bain",
    "chaussures",
    "seconde main",
    "linge de maison",
];
const SIZED: &[&str] = &[
    "vêtements",
    "maillots de bain",
    "chaussures",
    "seconde main",
];

pub(crate) fn operator_settings() -> Value {
    let reasons: Vec<Value> = CUSTOM_REASONS
        .iter()
        .map(|(code, fr, en)| {
            let mut reason = json!({ "code": code, "label_fr": fr, "label_en": en });
            if let Some((_, categories)) = REASON_CATEGORIES.iter().find(|(c, _)| c == code) {
                reason["categories"] = json!(categories);
            }
            reason
        })
        .collect();
    let mediators: Vec<Value> = MEDIATORS
        .iter()
        .map(|m| json!({ "id": m.id, "name": m.name }))
        .collect();
    json!({
        "description": "Le Marché des Créateurs réunit des boutiques françaises indépendantes : mode, maison, high-tech reconditionné et produits de Provence.",
        "website": "https://marche-des-createurs.example",
        "contact": {
            "email": "mediation@marche-des-createurs.example",
            "hours": "du lundi au vendredi, de 9 h à 18 h"
        },
        "language": "fr",
        "time_zone": "Europe/Paris",
        "currency": "EUR",
        "mediator": {
            "name": MEDIATOR_NAME,
            "website": MEDIATOR_WEBSITE,
            "email": "saisine@mediation-commerce-connecte.example",
            "note": "Médiateur de la consommation fictif, pour la démonstration."
        },
        "mediators": mediators,
        // Service levels (SLA.md): the marketplace's hours, its commitments to buyers
        // (a first answer within three working days, never seven days without news), its own
        // answer in mediation; the automation rules; the quality thresholds shops are held to.
        "sla": {
            "hours": {
                "time_zone": "Europe/Paris",
                "week": {
                    "monday": ["09:00-12:30", "13:30-18:00"],
                    "tuesday": ["09:00-12:30", "13:30-18:00"],
                    "wednesday": ["09:00-12:30", "13:30-18:00"],
                    "thursday": ["09:00-12:30", "13:30-18:00"],
                    "friday": ["09:00-12:30", "13:30-18:00"]
                },
                "holidays": "france"
            },
            "policies": [
                {
                    "name": "Médiation de la place de marché",
                    "conditions": { "stages": ["mediation", "arbitration"] },
                    "targets": {
                        "marketplace_response": { "within": "8h", "clock": "business", "warn_before": "2h" }
                    }
                },
                {
                    "name": "Engagement du Marché des Créateurs",
                    "targets": {
                        "first_response": { "within": "24h", "clock": "business", "warn_before": "4h" },
                        "next_response": { "within": "16h", "clock": "business", "warn_before": "4h" },
                        "buyer_update": { "within": "7d", "clock": "calendar", "warn_before": "1d" },
                        "resolution": { "within": "30d", "clock": "calendar", "warn_before": "3d" },
                        "marketplace_response": { "within": "16h", "clock": "business", "warn_before": "4h" }
                    }
                }
            ]
        },
        "automation": [
            {
                "id": "news-before-day-7",
                "name": "Nouvelles avant le 7ᵉ jour",
                "when": { "on": "silence", "for": "6d" },
                "actions": [{ "do": "status_update" }]
            },
            {
                "id": "first-response-missed",
                "name": "1ʳᵉ réponse en retard : la place de marché est prévenue",
                "when": { "on": "sla_breach", "target": "first_response" },
                "conditions": { "kinds": ["incident", "dispute"] },
                "actions": [{ "do": "notify", "who": "operator" }]
            }
        ],
        "quality": {
            "window_days": 30,
            "thresholds": [
                { "metric": "first_response_breach_rate", "warning_percent": 40.0, "restriction_percent": 80.0 },
                { "metric": "buyer_update_breach_rate", "warning_percent": 25.0, "restriction_percent": 50.0 },
                { "metric": "resolution_breach_rate", "warning_percent": 25.0, "restriction_percent": 50.0 },
                { "metric": "dissatisfaction_rate", "warning_percent": 35.0, "restriction_percent": 80.0, "min_volume": 5 }
            ],
            "restriction": "suspendue des nouvelles commandes jusqu’au retour sous les seuils"
        },
        "minimum_return_policy": {
            "window_days": 14,
            "window_starts": "last_item_delivered"
        },
        "reasons": reasons,
    })
}

/// What a merchant sells; it decides which reasons and stories fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trade {
    Fashion,
    Home,
    Electronics,
    Provence,
}

impl Trade {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Trade::Fashion => "fashion",
            Trade::Home => "home",
            Trade::Electronics => "electronics",
            Trade::Provence => "cosmetics_and_fine_food",
        }
    }
}

/// Product traits that make some reasons plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Fragile,
    Battery,
    Screen,
    /// Sold with accessories (charger, cable, strap) that can go missing.
    Accessory,
    /// Often bought several at a time.
    Consumable,
}

#[derive(Debug)]
pub(crate) struct Product {
    pub sku: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub price: i64,
    /// Order line flags (personalised, perishable, sealed_hygiene, second_hand, digital).
    pub flags: &'static [&'static str],
    pub sizes: &'static [&'static str],
    pub tags: &'static [Tag],
}

impl Product {
    pub(crate) fn is_digital(&self) -> bool {
        self.flags.contains(&"digital")
    }
}

const fn product(
    sku: &'static str,
    title: &'static str,
    category: &'static str,
    price: i64,
    flags: &'static [&'static str],
    sizes: &'static [&'static str],
    tags: &'static [Tag],
) -> Product {
    Product {
        sku,
        title,
        category,
        price,
        flags,
        sizes,
        tags,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    Colissimo,
    Chronopost,
    MondialRelay,
    Dpd,
    Gls,
    ColisPrive,
}

impl Carrier {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Carrier::Colissimo => "Colissimo",
            Carrier::Chronopost => "Chronopost",
            Carrier::MondialRelay => "Mondial Relay",
            Carrier::Dpd => "DPD",
            Carrier::Gls => "GLS",
            Carrier::ColisPrive => "Colis Privé",
        }
    }

    /// Usual transit time in hours (min, max).
    pub(crate) fn transit_hours(self) -> (i64, i64) {
        match self {
            Carrier::Chronopost => (16, 30),
            Carrier::Colissimo => (40, 80),
            Carrier::MondialRelay => (70, 150),
            Carrier::Dpd => (24, 60),
            Carrier::Gls => (40, 96),
            Carrier::ColisPrive => (48, 120),
        }
    }

    /// A tracking number in the carrier's usual shape.
    pub(crate) fn tracking_number(self, rng: &mut fastrand::Rng) -> String {
        let digits = |rng: &mut fastrand::Rng, n: usize| -> String {
            (0..n).map(|_| rng.digit(10)).collect()
        };
        match self {
            Carrier::Colissimo => format!("6A{}", digits(rng, 11)),
            Carrier::Chronopost => {
                let letters: String = (0..2).map(|_| rng.uppercase()).collect();
                format!("{letters}{}FR", digits(rng, 9))
            }
            Carrier::MondialRelay => digits(rng, 8),
            Carrier::Dpd => format!("2500{}", digits(rng, 10)),
            Carrier::Gls => digits(rng, 11),
            Carrier::ColisPrive => format!("CP{}", digits(rng, 14)),
        }
    }

    /// Whether parcels wait for the buyer at a pick-up point.
    pub(crate) fn is_relay(self) -> bool {
        matches!(self, Carrier::MondialRelay)
    }
}

#[derive(Debug)]
pub(crate) struct MerchantSpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub trade: Trade,
    pub city: &'static str,
    pub description: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    /// Relative share of the marketplace's orders.
    pub share: u32,
    pub window_days: i64,
    /// "merchant" (prepaid label) or "buyer".
    pub return_shipping_paid_by: &'static str,
    pub restocking_fee_percent: u8,
    pub store_credit_bonus_percent: u8,
    pub exchange: bool,
    /// Below this price a return is refunded without sending the item back (0: never).
    pub returnless_threshold: i64,
    /// Returns worth at most this much are authorised at once (0: every return waits for a person).
    pub auto_approve_up_to: i64,
    /// Days a prepaid return label stays valid.
    pub label_expiry_days: u32,
    /// The condition returned items must be in, as the shop words it.
    pub condition_rules: &'static str,
    /// Where returns go: street lines and postal code (the city is [`Self::city`]).
    pub return_lines: &'static [&'static str],
    pub return_postal_code: &'static str,
    pub shipping_fee: i64,
    pub free_shipping_from: i64,
    pub carriers: &'static [(Carrier, u32)],
    /// Customer-service agents: (user id, first name).
    pub agents: &'static [(&'static str, &'static str)],
    /// The shop's goodwill budget: (monthly envelope, amount above which a gesture
    /// needs a merchant admin's approval), minor units.
    pub goodwill_budget: Option<(i64, i64)>,
    pub catalogue: &'static [Product],
}

/// What no shop of the marketplace takes back, beyond what the law already
/// excludes (C. conso L221-28): the operator's minimum lets merchants exclude these.
const NON_RETURNABLE: [LineFlag; 4] = [
    LineFlag::Personalised,
    LineFlag::Perishable,
    LineFlag::SealedHygiene,
    LineFlag::Digital,
];

/// The marketplace's minimum return policy: the law's 14 days, returns at the
/// buyer's cost, no restocking fee, a refund always possible.
pub(crate) fn operator_minimum_policy() -> ReturnPolicy {
    ReturnPolicy {
        non_returnable_flags: NON_RETURNABLE.to_vec(),
        condition_rules: Some("Articles complets, dans leur état d'origine.".to_owned()),
        ..ReturnPolicy::statutory()
    }
}

impl MerchantSpec {
    pub(crate) fn prepaid_returns(&self) -> bool {
        self.return_shipping_paid_by == "merchant"
    }

    /// The shop's published return policy, the same terms as its settings.
    pub(crate) fn return_policy(&self) -> ReturnPolicy {
        let eur = |minor: i64| Money::new(minor, Currency::EUR);
        let mut allowed_resolutions = vec![ResolutionKind::ReturnAndRefund];
        if self.store_credit_bonus_percent > 0 {
            allowed_resolutions.push(ResolutionKind::StoreCredit);
        }
        if self.exchange {
            allowed_resolutions.push(ResolutionKind::Exchange);
        }
        ReturnPolicy {
            window_days: u32::try_from(self.window_days).unwrap_or(14),
            non_returnable_categories: Vec::new(),
            non_returnable_flags: NON_RETURNABLE.to_vec(),
            return_shipping: if self.prepaid_returns() {
                ReturnShipping::Merchant
            } else {
                ReturnShipping::Buyer
            },
            restocking_fee: (self.restocking_fee_percent > 0).then_some(RestockingFee::Percent {
                percent: self.restocking_fee_percent,
            }),
            allowed_resolutions,
            store_credit_bonus_percent: (self.store_credit_bonus_percent > 0)
                .then_some(self.store_credit_bonus_percent),
            returnless_below: (self.returnless_threshold > 0)
                .then(|| eur(self.returnless_threshold)),
            label_expiry_days: self.label_expiry_days,
            auto_approve: (self.auto_approve_up_to > 0).then(|| AutoApproval {
                max_amount: Some(eur(self.auto_approve_up_to)),
                max_recent_returns: None,
            }),
            condition_rules: Some(self.condition_rules.to_owned()),
        }
    }

    /// Where the shop's return labels send parcels (settings `return_address`).
    pub(crate) fn return_address(&self) -> Value {
        json!({
            "name": format!("{} – service retours", self.name),
            "lines": self.return_lines,
            "postal_code": self.return_postal_code,
            "city": self.city,
            "country": "FR",
        })
    }

    pub(crate) fn settings(&self) -> Value {
        let carriers: Vec<&str> = self.carriers.iter().map(|(c, _)| c.name()).collect();
        let agents: Vec<Value> = self
            .agents
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect();
        let mut refund_methods = vec!["original_payment"];
        if self.store_credit_bonus_percent > 0 {
            refund_methods.push("store_credit");
        }
        let mut settings = json!({
            "description": self.description,
            "trade": self.trade.code(),
            "city": self.city,
            "contact": {
                "email": self.email,
                "phone": self.phone,
                "hours": "du lundi au vendredi, de 9 h à 18 h"
            },
            "return_policy": {
                "window_days": self.window_days,
                "window_starts": "last_item_delivered",
                "return_shipping_paid_by": self.return_shipping_paid_by,
                "restocking_fee_percent": self.restocking_fee_percent,
                "restocking_fee_applies": "after_statutory_withdrawal_period",
                "refund_methods": refund_methods,
                "exchange": self.exchange,
                "store_credit_bonus_percent": self.store_credit_bonus_percent,
                "returnless_threshold_minor": self.returnless_threshold,
                "non_returnable": ["personalised", "perishable", "sealed_hygiene_unsealed", "digital_started"]
            },
            "shipping": {
                "fee_minor": self.shipping_fee,
                "free_from_minor": self.free_shipping_from,
                "carriers": carriers
            },
            "agents": agents,
            "return_address": self.return_address(),
            "time_zone": "Europe/Paris",
            "language": "fr",
            "withdrawal_notice": {
                "address": {
                    "name": self.name,
                    "lines": self.return_lines,
                    "postal_code": self.return_postal_code,
                    "city": self.city,
                    "country": "FR",
                },
                "email": self.email,
            },
        });
        if let Some(budget) = self.goodwill() {
            settings["goodwill_budget"] = json!(budget);
        }
        settings
    }

    /// The shop's goodwill budget, as its settings hold it.
    pub(crate) fn goodwill(&self) -> Option<GoodwillBudget> {
        let eur = |minor: i64| Money::new(minor, Currency::EUR);
        self.goodwill_budget
            .map(|(monthly, approval_above)| GoodwillBudget {
                monthly: eur(monthly),
                approval_above: Some(eur(approval_above)),
            })
    }
}

use Tag::{Accessory, Battery, Consumable, Fragile, Screen};

const DRESS: &[&str] = &["36", "38", "40", "42", "44"];
const TOPS: &[&str] = &["XS", "S", "M", "L", "XL"];
const SHOES: &[&str] = &["37", "38", "39", "40", "41", "42"];

pub(crate) const MERCHANTS: &[MerchantSpec] = &[
    MerchantSpec {
        slug: "maison-colette",
        name: "Maison Colette",
        trade: Trade::Fashion,
        city: "Lyon",
        description: "Prêt-à-porter et accessoires en matières naturelles, dessinés à Lyon et fabriqués en petites séries.",
        email: "bonjour@maison-colette.example",
        phone: "04 65 71 20 14",
        share: 34,
        window_days: 30,
        return_shipping_paid_by: "merchant",
        restocking_fee_percent: 0,
        store_credit_bonus_percent: 10,
        exchange: true,
        returnless_threshold: 1500,
        auto_approve_up_to: 15_000,
        label_expiry_days: 21,
        condition_rules: "Articles non portés, non lavés, avec leurs étiquettes, dans leur emballage d'origine.",
        return_lines: &["12 rue des Tisserands"],
        return_postal_code: "69002",
        shipping_fee: 490,
        free_shipping_from: 6000,
        carriers: &[
            (Carrier::Colissimo, 50),
            (Carrier::MondialRelay, 35),
            (Carrier::Chronopost, 15),
        ],
        agents: &[
            ("camille@maison-colette", "Camille"),
            ("ines@maison-colette", "Inès"),
        ],
        // 800 € of gestures a month; above 50 € a gesture needs the manager's approval.
        goodwill_budget: Some((80_000, 5_000)),
        catalogue: &[
            product(
                "ROBE-LIN-NUIT",
                "Robe en lin lavé bleu nuit",
                "vêtements",
                8900,
                &[],
                DRESS,
                &[],
            ),
            product(
                "CHEM-OXFORD",
                "Chemise oxford en coton bio",
                "vêtements",
                5900,
                &[],
                TOPS,
                &[],
            ),
            product(
                "PULL-MERINOS",
                "Pull col rond en laine mérinos",
                "vêtements",
                7900,
                &[],
                TOPS,
                &[],
            ),
            product(
                "JEAN-DROIT-BRUT",
                "Jean droit brut",
                "vêtements",
                8500,
                &[],
                DRESS,
                &[],
            ),
            product(
                "TRENCH-BEIGE",
                "Trench mi-long beige",
                "vêtements",
                16900,
                &[],
                DRESS,
                &[],
            ),
            product(
                "VESTE-JEAN-VINTAGE",
                "Veste en jean vintage années 90",
                "seconde main",
                6500,
                &["second_hand"],
                &["M", "L"],
                &[],
            ),
            product(
                "MAILLOT-TERRACOTTA",
                "Maillot de bain une pièce terracotta",
                "maillots de bain",
                6900,
                &["sealed_hygiene"],
                DRESS,
                &[],
            ),
            product(
                "TOTE-BRODE",
                "Tote bag brodé à vos initiales",
                "accessoires",
                3500,
                &["personalised"],
                &[],
                &[],
            ),
            product(
                "FOULARD-SOIE",
                "Foulard en soie imprimé coquelicots",
                "accessoires",
                4500,
                &[],
                &[],
                &[],
            ),
            product(
                "BASKETS-CUIR",
                "Baskets en cuir blanc",
                "chaussures",
                9900,
                &[],
                SHOES,
                &[],
            ),
            product(
                "CEINTURE-CUIR",
                "Ceinture en cuir tannage végétal",
                "accessoires",
                3900,
                &[],
                &["S", "M", "L"],
                &[],
            ),
            product(
                "BONNET-COTELE",
                "Bonnet côtelé en laine",
                "accessoires",
                2900,
                &[],
                &[],
                &[],
            ),
            product(
                "CHAUSSETTES-LOT3",
                "Lot de 3 paires de chaussettes en coton bio",
                "accessoires",
                1900,
                &[],
                &["36-40", "41-45"],
                &[Consumable],
            ),
            product(
                "BOUCLES-DOREES",
                "Boucles d'oreilles dorées à l'or fin",
                "bijoux",
                3200,
                &["sealed_hygiene"],
                &[],
                &[],
            ),
            product(
                "SAC-CABAS",
                "Sac cabas en toile enduite",
                "accessoires",
                5500,
                &[],
                &[],
                &[],
            ),
            product(
                "PATRON-ANEMONE-PDF",
                "Patron de couture « Blouse Anémone » (PDF)",
                "patrons",
                1200,
                &["digital"],
                &[],
                &[],
            ),
        ],
    },
    MerchantSpec {
        slug: "grenier-de-louise",
        name: "Le Grenier de Louise",
        trade: Trade::Home,
        city: "Nantes",
        description: "Décoration et art de vivre : céramiques façonnées à la main, linge de maison en lin et meubles chinés rénovés à l'atelier.",
        email: "contact@grenier-de-louise.example",
        phone: "02 61 91 38 07",
        share: 24,
        window_days: 14,
        return_shipping_paid_by: "buyer",
        restocking_fee_percent: 0,
        store_credit_bonus_percent: 5,
        exchange: false,
        returnless_threshold: 0,
        auto_approve_up_to: 0,
        label_expiry_days: 14,
        condition_rules: "Objets intacts, dans leur emballage d'origine avec leurs protections.",
        return_lines: &["Atelier du Grenier", "8 impasse des Ébénistes"],
        return_postal_code: "44200",
        shipping_fee: 690,
        free_shipping_from: 8000,
        carriers: &[
            (Carrier::Colissimo, 45),
            (Carrier::Gls, 30),
            (Carrier::Dpd, 25),
        ],
        agents: &[
            ("louise@grenier-de-louise", "Louise"),
            ("antoine@grenier-de-louise", "Antoine"),
        ],
        goodwill_budget: None,
        catalogue: &[
            product(
                "VASE-GRES-EMAIL",
                "Vase en grès émaillé fait main",
                "décoration",
                4800,
                &[],
                &[],
                &[Fragile],
            ),
            product(
                "BOUGIE-FIGUE-CEDRE",
                "Bougie parfumée figue et cèdre",
                "décoration",
                2400,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "PLAID-BRODE-PRENOM",
                "Plaid en laine brodé à votre prénom",
                "linge de maison",
                8900,
                &["personalised"],
                &[],
                &[],
            ),
            product(
                "HOUSSE-COUSSIN-LIN",
                "Housse de coussin en lin 45 × 45 cm",
                "linge de maison",
                2900,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "LAMPE-LAITON-OPALINE",
                "Lampe à poser en laiton et opaline",
                "luminaires",
                12900,
                &[],
                &[],
                &[Fragile],
            ),
            product(
                "MIROIR-ROTIN-60",
                "Miroir en rotin Ø 60 cm",
                "décoration",
                7900,
                &[],
                &[],
                &[Fragile],
            ),
            product(
                "ASSIETTES-FAIENCE-4",
                "Lot de 4 assiettes en faïence",
                "art de la table",
                5600,
                &[],
                &[],
                &[Fragile],
            ),
            product(
                "FAUTEUIL-BRIDGE-VINTAGE",
                "Fauteuil bridge vintage rénové",
                "mobilier",
                34000,
                &["second_hand"],
                &[],
                &[],
            ),
            product(
                "AFFICHE-CARTE-CIEL",
                "Affiche personnalisée « carte du ciel »",
                "décoration",
                3900,
                &["personalised"],
                &[],
                &[],
            ),
            product(
                "NAPPE-LIN-160",
                "Nappe en lin lavé 160 × 250 cm",
                "linge de maison",
                6900,
                &[],
                &[],
                &[],
            ),
            product(
                "PANIER-OSIER",
                "Panier en osier tressé",
                "décoration",
                3400,
                &[],
                &[],
                &[],
            ),
            product(
                "THEIERE-FONTE",
                "Théière en fonte 1,2 L",
                "art de la table",
                5900,
                &[],
                &[],
                &[],
            ),
            product(
                "TAPIS-JUTE-120",
                "Tapis en jute 120 × 170 cm",
                "décoration",
                11900,
                &[],
                &[],
                &[],
            ),
            product(
                "HORLOGE-CHENE",
                "Horloge murale en chêne massif",
                "décoration",
                6400,
                &[],
                &[],
                &[Fragile],
            ),
            product(
                "E-CARTE-CADEAU-50",
                "E-carte cadeau 50 €",
                "cartes cadeaux",
                5000,
                &["digital"],
                &[],
                &[],
            ),
        ],
    },
    MerchantSpec {
        slug: "electron-libre",
        name: "Électron Libre",
        trade: Trade::Electronics,
        city: "Bordeaux",
        description: "High-tech neuf et reconditionné en France, garanti 2 ans, avec un service après-vente basé à Bordeaux.",
        email: "sav@electron-libre.example",
        phone: "05 36 49 11 62",
        share: 24,
        window_days: 60,
        return_shipping_paid_by: "merchant",
        restocking_fee_percent: 0,
        store_credit_bonus_percent: 0,
        exchange: true,
        returnless_threshold: 0,
        auto_approve_up_to: 0,
        label_expiry_days: 30,
        condition_rules: "Appareil complet (accessoires, notice, câbles), réinitialisé, sans rayure ni trace de choc.",
        return_lines: &["Zone artisanale des Cyprès", "3 allée des Condensateurs"],
        return_postal_code: "33300",
        shipping_fee: 590,
        free_shipping_from: 5000,
        carriers: &[
            (Carrier::Colissimo, 40),
            (Carrier::Chronopost, 30),
            (Carrier::Dpd, 30),
        ],
        agents: &[
            ("sarah@electron-libre", "Sarah"),
            ("thomas@electron-libre", "Thomas"),
        ],
        goodwill_budget: None,
        catalogue: &[
            product(
                "ECOUTEURS-ANC",
                "Écouteurs sans fil à réduction de bruit",
                "audio",
                12900,
                &["sealed_hygiene"],
                &[],
                &[Battery, Accessory],
            ),
            product(
                "ENCEINTE-BT-ETANCHE",
                "Enceinte Bluetooth étanche",
                "audio",
                7900,
                &[],
                &[],
                &[Battery],
            ),
            product(
                "SMARTPHONE-RECO-128",
                "Smartphone reconditionné 128 Go – grade A",
                "téléphonie",
                27900,
                &["second_hand"],
                &[],
                &[Battery, Screen, Accessory, Fragile],
            ),
            product(
                "TABLETTE-10-64",
                "Tablette 10 pouces 64 Go",
                "tablettes et liseuses",
                22900,
                &[],
                &[],
                &[Battery, Screen, Accessory],
            ),
            product(
                "LISEUSE-6",
                "Liseuse 6 pouces à éclairage réglable",
                "tablettes et liseuses",
                11900,
                &[],
                &[],
                &[Battery, Screen],
            ),
            product(
                "CHARGEUR-USBC-65W",
                "Chargeur USB-C 65 W",
                "accessoires high-tech",
                3990,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "CABLE-USBC-2M",
                "Câble USB-C tressé 2 m",
                "accessoires high-tech",
                1490,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "CASQUE-STUDIO",
                "Casque audio filaire studio",
                "audio",
                8900,
                &[],
                &[],
                &[Accessory],
            ),
            product(
                "MONTRE-SPORT",
                "Montre connectée sport GPS",
                "objets connectés",
                14900,
                &[],
                &[],
                &[Battery, Screen, Accessory],
            ),
            product(
                "COQUE-GRAVEE",
                "Coque de téléphone gravée à vos initiales",
                "accessoires high-tech",
                2490,
                &["personalised"],
                &[],
                &[],
            ),
            product(
                "LICENCE-RETOUCHE-1AN",
                "Licence logiciel de retouche photo, 1 an (téléchargement)",
                "logiciels",
                5900,
                &["digital"],
                &[],
                &[],
            ),
            product(
                "CLAVIER-MECA-SF",
                "Clavier mécanique sans fil",
                "informatique",
                9900,
                &[],
                &[],
                &[Battery, Accessory],
            ),
            product(
                "SOURIS-ERGO",
                "Souris ergonomique sans fil",
                "informatique",
                4900,
                &[],
                &[],
                &[Battery],
            ),
            product(
                "SSD-EXTERNE-1TO",
                "SSD externe 1 To",
                "informatique",
                10900,
                &[],
                &[],
                &[Accessory],
            ),
            product(
                "PORTABLE-14-RECO",
                "Ordinateur portable 14 pouces reconditionné",
                "informatique",
                44900,
                &["second_hand"],
                &[],
                &[Battery, Screen, Accessory, Fragile],
            ),
        ],
    },
    MerchantSpec {
        slug: "comptoir-provencal",
        name: "Comptoir Provençal",
        trade: Trade::Provence,
        city: "Aix-en-Provence",
        description: "Cosmétiques naturels et épicerie fine de Provence, en direct des producteurs : savons, huiles, miels, calissons et fromages affinés.",
        email: "bonjour@comptoir-provencal.example",
        phone: "04 65 71 48 90",
        share: 18,
        window_days: 14,
        return_shipping_paid_by: "buyer",
        restocking_fee_percent: 0,
        store_credit_bonus_percent: 15,
        exchange: false,
        returnless_threshold: 2500,
        auto_approve_up_to: 0,
        label_expiry_days: 14,
        condition_rules: "Produits non ouverts, scellés d'origine intacts.",
        return_lines: &["Mas des Oliviers", "145 chemin des Cigales"],
        return_postal_code: "13090",
        shipping_fee: 550,
        free_shipping_from: 4500,
        carriers: &[
            (Carrier::Colissimo, 40),
            (Carrier::MondialRelay, 30),
            (Carrier::ColisPrive, 30),
        ],
        agents: &[
            ("margaux@comptoir-provencal", "Margaux"),
            ("lucas@comptoir-provencal", "Lucas"),
        ],
        goodwill_budget: None,
        catalogue: &[
            product(
                "SAVON-MARSEILLE-600",
                "Savon de Marseille à l'huile d'olive 600 g",
                "cosmétiques",
                890,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "HUILE-OLIVE-AOP-75",
                "Huile d'olive vierge extra AOP Vallée des Baux 75 cl",
                "épicerie fine",
                2450,
                &[],
                &[],
                &[Fragile, Consumable],
            ),
            product(
                "CALISSONS-250",
                "Calissons d'Aix frais, boîte de 250 g",
                "épicerie fine",
                1890,
                &["perishable"],
                &[],
                &[Consumable],
            ),
            product(
                "CHEVRES-AFFINES",
                "Plateau de fromages de chèvre affinés",
                "crèmerie",
                3490,
                &["perishable"],
                &[],
                &[],
            ),
            product(
                "TRUFFE-NOIRE-50",
                "Truffe noire fraîche du Vaucluse, 50 g",
                "épicerie fine",
                7500,
                &["perishable"],
                &[],
                &[],
            ),
            product(
                "CREME-ARGAN-50",
                "Crème visage hydratante à l'huile d'argan 50 ml",
                "cosmétiques",
                2890,
                &["sealed_hygiene"],
                &[],
                &[],
            ),
            product(
                "BAUME-KARITE",
                "Baume à lèvres au karité",
                "cosmétiques",
                690,
                &["sealed_hygiene"],
                &[],
                &[Consumable],
            ),
            product(
                "EDT-LAVANDE-100",
                "Eau de toilette lavande fine 100 ml",
                "parfums",
                3900,
                &["sealed_hygiene"],
                &[],
                &[Fragile],
            ),
            product(
                "HE-LAVANDE-10",
                "Huile essentielle de lavande vraie bio 10 ml",
                "cosmétiques",
                890,
                &["sealed_hygiene"],
                &[],
                &[Consumable],
            ),
            product(
                "COFFRET-GRAVE",
                "Coffret cadeau en bois gravé à votre message",
                "coffrets",
                4900,
                &["personalised"],
                &[],
                &[],
            ),
            product(
                "MIEL-LAVANDE-500",
                "Miel de lavande de Provence 500 g",
                "épicerie fine",
                1290,
                &[],
                &[],
                &[Fragile, Consumable],
            ),
            product(
                "HERBES-PROVENCE-LR",
                "Herbes de Provence Label Rouge 80 g",
                "épicerie fine",
                590,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "NOUGAT-MIEL-200",
                "Nougat tendre au miel de lavande 200 g",
                "épicerie fine",
                1290,
                &[],
                &[],
                &[Consumable],
            ),
            product(
                "ATELIER-SAVON-VIDEO",
                "Atelier en ligne « Fabriquer ses savons » (vidéo)",
                "ateliers en ligne",
                2900,
                &["digital"],
                &[],
                &[],
            ),
        ],
    },
];

pub(crate) const FIRST_NAMES_F: &[&str] = &[
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Emma",
    "Julie",
    "Claire",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Sandrine",
    "Céline",
    "Aurélie",
    "Élodie",
    "Marion",
    "Pauline",
    "Laura",
    "Mathilde",
    "Charlotte",
    "Lucie",
    "Juliette",
    "Margaux",
    "Anaïs",
    "Hélène",
    "Valérie",
    "Christine",
    "Martine",
    "Sylvie",
    "Brigitte",
    "Françoise",
    "Monique",
    "Nadia",
    "Fatima",
    "Yasmine",
    "Amina",
    "Leïla",
    "Aïcha",
    "Mariam",
    "Linh",
    "Ana",
    "Sofia",
    "Clémence",
    "Zoé",
    "Jeanne",
    "Louise",
    "Agathe",
    "Capucine",
    "Océane",
    "Justine",
    "Émilie",
    "Karine",
    "Virginie",
    "Stéphanie",
    "Delphine",
    "Noémie",
    "Salomé",
    "Maëlle",
    "Bérénice",
];

pub(crate) const FIRST_NAMES_M: &[&str] = &[
    "Thomas",
    "Nicolas",
    "Julien",
    "Maxime",
    "Alexandre",
    "Antoine",
    "Kévin",
    "Romain",
    "Guillaume",
    "Sébastien",
    "Pierre",
    "Jean",
    "Philippe",
    "Laurent",
    "Olivier",
    "Christophe",
    "Éric",
    "Frédéric",
    "Stéphane",
    "David",
    "Mathieu",
    "Hugo",
    "Lucas",
    "Louis",
    "Gabriel",
    "Arthur",
    "Raphaël",
    "Théo",
    "Nathan",
    "Baptiste",
    "Quentin",
    "Florian",
    "Jérôme",
    "Benoît",
    "François",
    "Bernard",
    "Michel",
    "Alain",
    "Patrick",
    "Gérard",
    "Karim",
    "Mehdi",
    "Youssef",
    "Rachid",
    "Samir",
    "Moussa",
    "Mamadou",
    "Ibrahim",
    "Minh",
    "Rui",
    "Marco",
    "Tristan",
    "Adrien",
    "Clément",
    "Valentin",
    "Bastien",
    "Yann",
    "Loïc",
    "Gaël",
    "Erwan",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Roche",
    "Renard",
    "Schmitt",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Bourgeois",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Lecomte",
    "Lopez",
    "Dupuy",
    "Hubert",
    "Berger",
    "Carpentier",
    "Sanchez",
    "Moulin",
    "Deschamps",
    "Vasseur",
    "Perez",
    "Fleury",
    "Klein",
    "Jacquet",
    "Poirier",
    "Marty",
    "Carré",
    "Ménard",
    "Le Gall",
    "Le Goff",
    "Prévost",
    "Lévêque",
    "Weber",
    "Hamon",
    "Da Silva",
    "Nguyen",
    "Tran",
    "Benali",
    "Haddad",
    "Diallo",
    "Traoré",
    "Kowalski",
    "Ferreira",
    "Rossi",
    "Cohen",
    "N'Diaye",
    "Amrani",
    "Belkacem",
    "Pham",
    "Le Bihan",
    "Etcheverry",
    "Santos",
    "D'Amico",
];

pub(crate) const EN_FIRST_NAMES_F: &[&str] = &[
    "Emily",
    "Olivia",
    "Sophie",
    "Charlotte",
    "Hannah",
    "Grace",
    "Lucy",
    "Amelia",
    "Jessica",
    "Rachel",
    "Megan",
    "Isla",
    "Abigail",
    "Siobhan",
    "Priya",
];
pub(crate) const EN_FIRST_NAMES_M: &[&str] = &[
    "James", "Oliver", "Harry", "George", "Jack", "William", "Daniel", "Samuel", "Joseph",
    "Matthew", "Ben", "Ryan", "Liam", "Connor", "Arjun",
];
pub(crate) const EN_LAST_NAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "O'Connor", "Murphy", "Kelly", "Hughes", "Edwards", "Patel", "Khan",
    "Campbell", "Stewart", "Mitchell",
];

/// Mail domains for French buyers, with weights.
pub(crate) const FR_MAIL_DOMAINS: &[(&str, u32)] = &[
    ("exemple.fr", 5),
    ("laposte-demo.fr", 3),
    ("orange-demo.fr", 3),
    ("free-demo.fr", 2),
    ("sfr-demo.fr", 1),
    ("example.com", 2),
];
pub(crate) const EN_MAIL_DOMAINS: &[(&str, u32)] =
    &[("example.com", 3), ("example.org", 2), ("example.net", 1)];

/// Street names for buyers' delivery addresses (every town has them).
pub(crate) const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean-Jaurès",
    "rue Victor-Hugo",
    "boulevard Gambetta",
    "rue Pasteur",
    "rue du Moulin",
    "allée des Tilleuls",
    "chemin des Vignes",
    "rue des Lilas",
    "place de la Mairie",
    "avenue de la Gare",
    "rue Jules-Ferry",
    "impasse des Roses",
    "rue du Général-de-Gaulle",
    "quai des Marins",
    "rue des Écoles",
];

/// A second address line, now and then.
pub(crate) const ADDRESS_EXTRAS: &[&str] = &[
    "Bâtiment B",
    "Résidence Les Acacias",
    "Appartement 12",
    "3e étage, porte gauche",
    "Chez Mme Bernard",
];

/// Towns buyers live in: (postal code, town).
pub(crate) const TOWNS: &[(&str, &str)] = &[
    ("75011", "Paris"),
    ("75015", "Paris"),
    ("75018", "Paris"),
    ("69003", "Lyon"),
    ("13006", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("44000", "Nantes"),
    ("59000", "Lille"),
    ("67000", "Strasbourg"),
    ("35000", "Rennes"),
    ("34000", "Montpellier"),
    ("06000", "Nice"),
    ("38000", "Grenoble"),
    ("21000", "Dijon"),
    ("37000", "Tours"),
    ("49000", "Angers"),
    ("29200", "Brest"),
    ("63000", "Clermont-Ferrand"),
    ("64000", "Pau"),
    ("51100", "Reims"),
    ("14000", "Caen"),
    ("76000", "Rouen"),
    ("57000", "Metz"),
    ("45000", "Orléans"),
    ("17000", "La Rochelle"),
    ("84000", "Avignon"),
    ("74000", "Annecy"),
    ("92100", "Boulogne-Billancourt"),
    ("78000", "Versailles"),
    ("56000", "Vannes"),
    ("24000", "Périgueux"),
];

/// Picks an item by weight.
pub(crate) fn weighted<T: Copy>(rng: &mut fastrand::Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.u32(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

/// Picks one element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(0..items.len())]
}
