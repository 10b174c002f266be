//! Generates a large marketplace for the HTTP load benchmark (`bench/load.sh`,
//! docs/PERFORMANCE.md): one operator, its merchants, one order per case, and
//! cases driven through the real command path (`Store::execute`: decider, hash
//! chain, projections, group-commit writer), so the result passes `amiable verify`.
//!
//! `cargo run --release --bin amiable-dataset -- --database-url PATH_OR_URL [--cases N]
//!  [--merchants M] [--long-cases K] [--seed S] [--manifest FILE]`
//!
//! Every case is derived from `(seed, index)` alone, so the same seed gives the
//! same ids and contents whatever the concurrency. Cases open in index order over
//! two years ending at `--anchor` (midnight UTC today by default); recent ones are
//! mostly open or resolved, older ones closed or cancelled (about 5 % open in
//! all), and `--long-cases` open cases carry a 50-event conversation. The busiest
//! merchant gets about a quarter of the cases. The manifest (JSON) names what the
//! load generator needs: operator, merchants, a sample of open cases to post to,
//! and the long cases.
//!
//! Returns follow their lifecycle as the API drives it, under each shop's return
//! policy: the shop authorises them, receives and inspects the parcel, then refunds
//! (the gateway settles the refund a minute later), issues store credit, sends an
//! exchange or refuses; the money goes through the order's ledger. The timers these
//! steps set (refund executions, refund-deadline reminders) that fell due during the
//! history run at the end through the server's worker code, as they would have.
//!
//! 1,000,000 cases: 5.52 M events and 974,000 timers, 8.0 GB on SQLite, in about 24
//! minutes on two cores (3 for the orders, 16 for the cases, 4½ for the timers).

use amiable_app::ports::payments::{PaymentGateway, RecordingGateway};
use amiable_domain::case::automation::{AUTO_CLOSE_JOB, Automation};
use amiable_domain::case::{
    Actor, CaseItem, CaseKind, Command, Deduction, ExchangeLine, GoodwillKind, InspectedLine,
    ItemCondition, ReceivedLine, Resolution, ResolutionKind, Stage,
};
use amiable_domain::case::{
    ConversationCommand, EscalationCommand, LifecycleCommand, MoneyCommand, ReturnCommand,
};
use amiable_domain::ids::{CaseId, LineId, MerchantId, OperatorId, OrderId, Slug};
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::{
    BuyerInput, LineInput, OrderInput, PaymentInput, Quantity, ShipmentInput, ShipmentLineInput,
};
use amiable_domain::reason::ReasonCode;
use amiable_domain::returns::ReturnPolicy;
use amiable_domain::text::{Body, Label};
use amiable_store::{CommandRequest, DatabaseConfig, Durability, PolicyScope, Store};
use anyhow::{Context as _, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "amiable-dataset",
    about = "Generate a large dataset through the real store, for the HTTP load benchmark."
)]
struct Args {
    /// Database: a SQLite path (or sqlite://path) or a postgres:// URL; it must be empty
    #[arg(long, value_name = "URL")]
    database_url: String,
    /// Cases to create (one order each)
    #[arg(long, default_value_t = 1_000_000)]
    cases: usize,
    /// Merchants under the operator (case volume is skewed: the first merchant is the busiest)
    #[arg(long, default_value_t = 20)]
    merchants: usize,
    /// Open cases that get a conversation of exactly 50 events (for GET /cases/{id})
    #[arg(long, default_value_t = 1000)]
    long_cases: usize,
    /// Seed of the generated data: the same seed gives the same ids and contents
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The operator's slug
    #[arg(long, default_value = "bench")]
    operator_slug: String,
    /// The day the history ends (YYYY-MM-DD, UTC) [default: today]
    #[arg(long, value_name = "DATE")]
    anchor: Option<String>,
    /// Where to write the JSON manifest [default: next to the SQLite file, or ./amiable-dataset.json]
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Open cases listed in the manifest for posting messages
    #[arg(long, default_value_t = 1000)]
    sample: usize,
    /// SQLite durability while loading: `normal` (a power cut may lose the last commits) or `full`
    #[arg(long, default_value = "normal", value_name = "MODE")]
    sqlite_synchronous: String,
    /// Cases in flight at once (each runs its commands in order; the writer batches across
    /// cases) [default: 1024 on SQLite, 4096 on PostgreSQL, whose four writer lanes share them]
    #[arg(long)]
    concurrency: Option<usize>,
    /// Order transactions in flight at once [default: 1 on SQLite, which has one writer; 4 on PostgreSQL]
    #[arg(long)]
    order_writers: Option<usize>,
    /// Orders per upsert transaction
    #[arg(long, default_value_t = 1000)]
    order_batch: usize,
    /// Tokio runtime: `current` (one thread: clients and writer never hop threads) or `multi`
    #[arg(long, default_value = "current", value_parser = ["current", "multi"])]
    runtime: String,
    /// Workers running the timers that fell due during the history, at the end (their
    /// reads overlap; on SQLite their writes take turns)
    #[arg(long, default_value_t = 8)]
    timer_workers: usize,
    /// Run `verify` over the whole database at the end (slow on millions of events)
    #[arg(long)]
    verify: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = if args.runtime == "multi" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(run(args))
}

// ---------------------------------------------------------------------------
// Fixed vocabulary. Every name, shop and address is invented; e-mail domains
// are example domains, as in the demo.

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Emma", "Julie", "Lucie", "Anaïs",
    "Hélène", "Margaux", "Élodie", "Nathalie", "Sophie", "Thomas", "Nicolas", "Julien",
    "Maxime", "Antoine", "Hugo", "Lucas", "Théo", "Mathieu", "Kévin", "Jérôme", "François",
    "Loïc", "Benoît", "Rémi",
];
#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Müller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
];
#[rustfmt::skip]
const MAIL_DOMAINS: &[&str] = &[
    "exemple.fr", "exemple.fr", "laposte-demo.fr", "orange-demo.fr", "free-demo.fr",
    "example.com",
];
#[rustfmt::skip]
const SHOP_NAMES: &[&str] = &[
    "Atelier Lina", "Maison Ferrand", "Les Bougies de Margaux", "Bois & Lin",
    "Céramiques du Vexin", "Le Comptoir Breton", "Papeterie Ondine", "Vélos Rousseau",
    "Tricots de la Baie", "Épicerie Fine Dupont", "Lumière d'Ambre", "Jardin de Sofia",
    "Cuirs Garnier", "La Fabrique à Jouets", "Thé & Tisanes Morel", "Studio Oléa",
    "Savonnerie du Lac", "Bijoux Clémence", "Outils Chevalier", "Vintage Faure",
];
/// (SKU stem, title, category, price range in cents).
#[rustfmt::skip]
const PRODUCTS: &[(&str, &str, &str, (i64, i64))] = &[
    ("BOUGIE", "Bougie parfumée figue", "maison", (1490, 3490)),
    ("PULL", "Pull en laine mérinos", "vêtements", (4900, 12900)),
    ("LAMPE", "Lampe de chevet en laiton", "maison", (3900, 14900)),
    ("TASSE", "Tasse en grès émaillé", "art de la table", (1200, 2900)),
    ("CARNET", "Carnet relié cuir A5", "papeterie", (1500, 4500)),
    ("SAC", "Sac cabas en lin", "accessoires", (2500, 6900)),
    ("COLLIER", "Collier plaqué or", "bijoux", (2900, 8900)),
    ("THE", "Coffret de thés bio", "épicerie", (1800, 4200)),
    ("SAVON", "Savon à froid lavande", "beauté", (600, 1400)),
    ("JOUET", "Train en bois", "jouets", (2200, 5900)),
    ("CASQUE", "Casque vélo urbain", "sport", (3900, 9900)),
    ("PLAID", "Plaid en laine bouillie", "maison", (5900, 15900)),
    ("VASE", "Vase en céramique", "maison", (2400, 7900)),
    ("CEINTURE", "Ceinture cuir tannage végétal", "accessoires", (3500, 8500)),
    ("SECATEUR", "Sécateur forgé", "jardin", (2900, 6400)),
];
const CARRIERS: &[&str] = &[
    "Colissimo",
    "Chronopost",
    "Mondial Relay",
    "DPD",
    "Colis Privé",
];

const MERCHANT_REPLIES: &[&str] = &[
    "Bonjour, nous sommes désolés pour ce désagrément. Pourriez-vous nous envoyer une photo de l'article ?",
    "Bonjour, nous avons ouvert une enquête auprès du transporteur et revenons vers vous sous 48 h.",
    "Merci pour votre message. Vous trouverez l'étiquette de retour prépayée en pièce jointe.",
    "Bonjour, nous avons bien reçu votre demande et la traitons en priorité.",
    "Nous vérifions le stock pour un échange et vous tenons informé(e) rapidement.",
];
/// The shop accepts a return.
const RETURN_ACCEPTED: &[&str] = &[
    "Bonjour, votre retour est accepté. Renvoyez l'article à l'adresse indiquée dans votre espace, avec le numéro de retour.",
    "Retour validé : glissez le bon de retour dans le colis, le remboursement part dès réception.",
    "C'est noté, nous acceptons le retour. Vous pouvez déposer le colis dans le point relais de votre choix.",
];
const RETURNLESS: &str = "Inutile de nous renvoyer l'article : nous vous remboursons directement. Merci de votre confiance.";
/// The buyer, waiting for the shop's answer to a return request.
const BUYER_RETURN_WAITING: &str = "Bonjour, avez-vous bien reçu ma demande de retour ?";
/// The buyer, once the return is accepted.
const BUYER_RETURN_SENDING: &[&str] = &[
    "Le colis est parti ce matin, je vous envoie le numéro de suivi.",
    "Merci, je dépose le colis demain au bureau de poste.",
];
const BUYER_REPLIES: &[&str] = &[
    "Merci, voici les photos demandées.",
    "Toujours rien reçu de mon côté, le suivi n'a pas bougé depuis une semaine.",
    "D'accord, j'attends votre retour. Bonne journée.",
    "Le colis est reparti ce matin depuis le bureau de poste.",
    "Je préférerais un remboursement plutôt qu'un échange, si possible.",
];

/// Built-in reasons that fit each kind of case.
fn reasons_for(kind: CaseKind) -> &'static [&'static str] {
    match kind {
        CaseKind::Return => &[
            "changed_mind",
            "defective",
            "not_as_described",
            "wrong_item",
        ],
        CaseKind::Incident => &[
            "not_received",
            "late_delivery",
            "damaged_in_transit",
            "missing_items",
            "defective",
        ],
        CaseKind::Dispute => &["not_as_described", "defective", "not_received"],
        CaseKind::PaymentDispute => &[
            "unauthorised",
            "not_received",
            "duplicate_charge",
            "credit_not_processed",
        ],
    }
}

fn description(reason: &str, title: &str, order_number: &str) -> String {
    match reason {
        "not_received" => format!(
            "Bonjour, ma commande {order_number} n'est toujours pas arrivée alors que le suivi indique une livraison."
        ),
        "late_delivery" => format!(
            "Le colis de la commande {order_number} a plus d'une semaine de retard, j'en avais besoin pour un cadeau."
        ),
        "damaged_in_transit" => {
            format!("Le colis est arrivé écrasé et l'article « {title} » est abîmé.")
        }
        "missing_items" => {
            format!("Il manque « {title} » dans le colis de la commande {order_number}.")
        }
        "defective" => format!("L'article « {title} » ne fonctionne plus après quelques jours."),
        "not_as_described" => {
            format!("L'article « {title} » ne correspond pas à la description ni aux photos.")
        }
        "wrong_item" => format!("J'ai reçu un autre article que « {title} »."),
        "changed_mind" => format!(
            "Je souhaite exercer mon droit de rétractation pour « {title} » (commande {order_number})."
        ),
        "unauthorised" => {
            "Paiement contesté par le titulaire de la carte : opération non autorisée.".into()
        }
        "duplicate_charge" => "Le client signale un double débit pour cette commande.".into(),
        _ => "Le client indique qu'un remboursement promis n'a pas été crédité.".into(),
    }
}

/// Lower-case ASCII for e-mail local parts.
fn ascii_fold(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let folded = match c {
                'à' | 'â' | 'ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
                'î' | 'ï' => 'i',
                'ô' | 'ö' => 'o',
                'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => return None,
            };
            Some(folded)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The plan of one case, derived from (seed, index) alone.

/// The payment gateway of the refunds: refunds made outside amiable and recorded here, as
/// the server's gateway does (`amiable serve` settles them at once as `gateway:manual`).
const GATEWAY: &str = "manual";

/// The payment gateway confirming a case's first refund.
fn gateway_settles(case_id: CaseId) -> (Actor, Command) {
    (
        Actor::System {
            id: format!("gateway:{GATEWAY}"),
        },
        Command::Money(MoneyCommand::SettleRefund {
            refund_id: 1,
            reference: label(&format!("{GATEWAY}-{}-1", &case_id.to_string()[..8])),
        }),
    )
}
const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// How far back the settled cases go.
const HISTORY_DAYS: i64 = 730;
/// Events of a long case (the (c) scenario reads its timeline).
const LONG_CASE_EVENTS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Open,
    Resolved,
    Closed,
    Cancelled,
    /// Open, with a 50-event conversation.
    Long,
}

/// How a settled return (fates `Resolved` and `Closed`) ends. Returns go through their
/// own commands, as the API sends them: authorisation, receipt, inspection, and the money
/// (refund, store credit, exchange), each checked against the order's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReturnEnd {
    /// The buyer withdraws the request before the shop answers.
    Withdrawn,
    /// Authorised, received damaged, inspected, refused.
    Refused,
    /// Received worn: refunded less a deduction for the loss of value.
    PartialRefund,
    /// The buyer asked for store credit (the policy adds its bonus).
    StoreCredit,
    /// The buyer asked for the item in another size.
    Exchange,
    /// A low-value item the buyer keeps: refunded without coming back.
    Returnless,
    /// Received as sent: refunded in full.
    Refund,
}

struct Line {
    sku: String,
    title: &'static str,
    category: &'static str,
    quantity: i64,
    unit_price: i64,
}

struct Plan {
    case_id: CaseId,
    order_id: OrderId,
    merchant: usize,
    fate: Fate,
    order_number: String,
    buyer_name: String,
    buyer_email: String,
    placed_at: i64,
    lines: Vec<Line>,
    shipping: i64,
    provider: &'static str,
    carrier: &'static str,
    /// Delivered (the tracking says so) unless the case is about a lost parcel.
    delivered: bool,
    /// The case's commands, each with its actor and instant (epoch seconds).
    commands: Vec<(Actor, i64, Command)>,
}

struct Generator {
    seed: u64,
    cases: usize,
    long_stride: usize,
    long_cases: usize,
    /// Cumulative weights of merchants (skewed: merchant k gets ∝ 1/(k+1)).
    merchant_weights: Vec<u64>,
    /// Midnight UTC of the anchor day, epoch seconds.
    anchor: i64,
}

fn rng_bytes(rng: &mut fastrand::Rng) -> [u8; 16] {
    rng.u128(..).to_le_bytes()
}

fn body(text: &str) -> Body {
    Body::parse(text).expect("generated text is valid")
}

fn label(text: &str) -> Label {
    Label::parse(text).expect("generated label is valid")
}

fn money(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::EUR)
}

fn merchant_actor(merchant: usize) -> Actor {
    Actor::MerchantUser {
        id: format!("service-client@shop-{merchant:02}"),
    }
}

impl Generator {
    fn new(seed: u64, cases: usize, merchants: usize, long_cases: usize, anchor: i64) -> Self {
        let long_cases = long_cases.min(cases);
        let mut total = 0;
        let merchant_weights = (0..merchants)
            .map(|k| {
                total += 1_000_000 / (k as u64 + 1);
                total
            })
            .collect();
        Generator {
            seed,
            cases,
            long_stride: cases.checked_div(long_cases).unwrap_or(usize::MAX),
            long_cases,
            merchant_weights,
            anchor,
        }
    }

    fn rng(&self, index: usize) -> fastrand::Rng {
        // Splitmix-style scrambling, so neighbouring indices get unrelated streams.
        let mut z = self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        fastrand::Rng::with_seed(z ^ (z >> 31))
    }

    fn is_long(&self, index: usize) -> bool {
        index.is_multiple_of(self.long_stride) && index / self.long_stride < self.long_cases
    }

    /// When case `index` opens: the cases are spread evenly over the history, in index
    /// order (as a real marketplace creates them), a few hours of jitter apart.
    fn opened_at(&self, index: usize, rng: &mut fastrand::Rng) -> i64 {
        let span = HISTORY_DAYS * DAY;
        let step = span / self.cases as i64;
        let start = self.anchor - span;
        (start + index as i64 * step + rng.i64(0..=step.max(1) * 4)).min(self.anchor - HOUR)
    }

    /// What becomes of a case, by its age: recent ones are mostly open or just
    /// resolved, old ones closed or cancelled; a few disputes drag on.
    fn fate_of(&self, index: usize, opened_at: i64, roll: u32) -> Fate {
        if self.is_long(index) {
            return Fate::Long;
        }
        let age = self.anchor - opened_at;
        if age < 30 * DAY {
            match roll {
                0..60 => Fate::Open,
                60..90 => Fate::Resolved,
                _ => Fate::Cancelled,
            }
        } else if age < 60 * DAY {
            match roll {
                0..15 => Fate::Open,
                15..88 => Fate::Closed,
                _ => Fate::Cancelled,
            }
        } else {
            match roll {
                0..2 => Fate::Open,
                2..88 => Fate::Closed,
                _ => Fate::Cancelled,
            }
        }
    }

    /// The fate alone, cheaply (for picking the manifest's sample).
    fn fate(&self, index: usize) -> Fate {
        let mut rng = self.rng(index);
        let opened_at = self.opened_at(index, &mut rng);
        self.fate_of(index, opened_at, rng.u32(0..100))
    }

    fn plan(&self, index: usize) -> Plan {
        let mut rng = self.rng(index);
        // Keep this prefix in step with `fate`.
        let opened_at = self.opened_at(index, &mut rng);
        let fate = self.fate_of(index, opened_at, rng.u32(0..100));
        // Ids start with the opening instant (as UUIDv7 would), so the load appends to
        // the indexes instead of scattering writes over the whole B-trees; lookups by
        // id cost the same either way.
        let time_ordered = |rng: &mut fastrand::Rng| {
            let mut bytes = rng_bytes(rng);
            bytes[..6].copy_from_slice(&((opened_at as u64) * 1000).to_be_bytes()[2..]);
            bytes
        };
        let case_id = CaseId::from_bytes(time_ordered(&mut rng));
        let order_id = OrderId::from_bytes(time_ordered(&mut rng));
        let total_weight = *self.merchant_weights.last().unwrap_or(&1);
        let pick = rng.u64(0..total_weight);
        let merchant = self.merchant_weights.partition_point(|w| *w <= pick);

        let first = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
        let buyer_email = match rng.u8(0..3) {
            0 => format!(
                "{}.{}@{}",
                ascii_fold(first),
                ascii_fold(last),
                MAIL_DOMAINS[rng.usize(..MAIL_DOMAINS.len())]
            ),
            1 => format!(
                "{}{}{}@{}",
                ascii_fold(first),
                ascii_fold(last),
                rng.u16(1..9999),
                MAIL_DOMAINS[rng.usize(..MAIL_DOMAINS.len())]
            ),
            _ => format!(
                "{}.{}{}@{}",
                &ascii_fold(first)[..1],
                ascii_fold(last),
                rng.u16(1..999),
                MAIL_DOMAINS[rng.usize(..MAIL_DOMAINS.len())]
            ),
        };

        let line_count = match rng.u8(0..100) {
            0..60 => 1,
            60..88 => 2,
            _ => 3,
        };
        let lines: Vec<Line> = (0..line_count)
            .map(|_| {
                let (stem, title, category, (low, high)) = PRODUCTS[rng.usize(..PRODUCTS.len())];
                let unit_price = rng.i64(low / 10..=high / 10) * 10;
                Line {
                    sku: format!("{stem}-{:03}", rng.u16(1..400)),
                    title,
                    category,
                    quantity: if rng.u8(0..10) < 8 { 1 } else { 2 },
                    unit_price,
                }
            })
            .collect();
        let shipping = [0, 490, 590, 690][rng.usize(..4)];

        // Delivered (three days after the order) before the case opens.
        let placed_at = opened_at - rng.i64(4 * DAY..25 * DAY);

        let mut kind = match rng.u8(0..100) {
            0..45 => CaseKind::Return,
            45..85 => CaseKind::Incident,
            85..95 => CaseKind::Dispute,
            _ => CaseKind::PaymentDispute,
        };
        if fate == Fate::Long {
            kind = CaseKind::Incident;
        }
        // A return is asked for within the withdrawal period (14 days from delivery, the
        // day after shipping + 2): the store refuses it afterwards.
        let placed_at = if kind == CaseKind::Return {
            placed_at.max(opened_at - 10 * DAY)
        } else {
            placed_at
        };
        let reasons = reasons_for(kind);
        let reason = reasons[rng.usize(..reasons.len())];
        let delivered = reason != "not_received";
        let order_number = format!("CMD-{:07}", index + 1);
        let line = &lines[0];
        let item = CaseItem {
            line_id: LineId::parse("1").expect("line id"),
            quantity: Quantity::new(1).expect("quantity"),
            reason: None,
        };
        let claimed = match kind {
            CaseKind::Return => None,
            _ if rng.bool() => Some(money(line.unit_price)),
            _ => None,
        };
        let (opener, stage) = if kind == CaseKind::PaymentDispute {
            let provider = if rng.bool() { "paypal" } else { "stripe" };
            (
                Actor::Provider {
                    id: provider.into(),
                },
                Some(Stage::External),
            )
        } else {
            (Actor::Buyer, None)
        };
        let return_end = (kind == CaseKind::Return
            && matches!(fate, Fate::Resolved | Fate::Closed))
        .then(|| match rng.u8(0..100) {
            0..5 => ReturnEnd::Withdrawn,
            5..10 => ReturnEnd::Refused,
            10..22 => ReturnEnd::PartialRefund,
            22..32 => ReturnEnd::StoreCredit,
            32..40 => ReturnEnd::Exchange,
            40..50 if line.unit_price < 2500 => ReturnEnd::Returnless,
            _ => ReturnEnd::Refund,
        });
        // Store credit and exchanges replace the refund only when the buyer asked for them.
        let preferred = match return_end {
            Some(ReturnEnd::StoreCredit) => Some(ResolutionKind::StoreCredit),
            Some(ReturnEnd::Exchange) => Some(ResolutionKind::Exchange),
            _ => None,
        };
        let merchant_user = merchant_actor(merchant);
        let mut commands = vec![(
            opener,
            opened_at,
            Command::Lifecycle(LifecycleCommand::Open {
                preferred,
                kind,
                reason: ReasonCode::parse(reason).expect("built-in reason"),
                items: vec![item],
                claimed,
                description: body(&description(reason, line.title, &order_number)),
                stage,
            }),
        )];
        let mut at = opened_at;
        let mut next = |rng: &mut fastrand::Rng, low: i64, high: i64| {
            at += rng.i64(low..high);
            at
        };

        match (fate, return_end) {
            (Fate::Long, _) => {
                // 49 messages, the parties taking turns, a few hours apart.
                for turn in 1..LONG_CASE_EVENTS {
                    let when = next(&mut rng, 20 * MINUTE, 20 * HOUR);
                    let (actor, texts) = if turn % 2 == 1 {
                        (merchant_user.clone(), MERCHANT_REPLIES)
                    } else {
                        (Actor::Buyer, BUYER_REPLIES)
                    };
                    let text = format!("{} ({turn}/49)", texts[rng.usize(..texts.len())]);
                    commands.push((
                        actor,
                        when,
                        Command::Conversation(ConversationCommand::PostMessage {
                            body: body(&text),
                        }),
                    ));
                }
            }
            (Fate::Open, _) if kind == CaseKind::Return => {
                // Some returns wait for the shop's authorisation (the buyer sometimes asks
                // where it stands); the others are authorised and on their way back.
                if rng.u8(0..100) < 45 {
                    if rng.u8(0..100) < 40 {
                        let when = next(&mut rng, HOUR, 2 * DAY);
                        commands.push((
                            Actor::Buyer,
                            when,
                            Command::Conversation(ConversationCommand::PostMessage {
                                body: body(BUYER_RETURN_WAITING),
                            }),
                        ));
                    }
                } else {
                    let when = next(&mut rng, HOUR, 2 * DAY);
                    commands.push((
                        merchant_user.clone(),
                        when,
                        Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
                    ));
                    if rng.u8(0..100) < 70 {
                        let when = next(&mut rng, MINUTE, HOUR);
                        let text = RETURN_ACCEPTED[rng.usize(..RETURN_ACCEPTED.len())];
                        commands.push((
                            merchant_user.clone(),
                            when,
                            Command::Conversation(ConversationCommand::PostMessage {
                                body: body(text),
                            }),
                        ));
                        if rng.u8(0..100) < 40 {
                            let when = next(&mut rng, HOUR, 2 * DAY);
                            let text =
                                BUYER_RETURN_SENDING[rng.usize(..BUYER_RETURN_SENDING.len())];
                            commands.push((
                                Actor::Buyer,
                                when,
                                Command::Conversation(ConversationCommand::PostMessage {
                                    body: body(text),
                                }),
                            ));
                        }
                    }
                }
            }
            (Fate::Open, _) => {
                // Half of the open cases have a merchant answer (then they wait on the buyer),
                // some a buyer reply after it; a third of open disputes went to mediation.
                let mut answered = false;
                if rng.u8(0..100) < 50 {
                    answered = true;
                    let when = next(&mut rng, HOUR, 2 * DAY);
                    let text = MERCHANT_REPLIES[rng.usize(..MERCHANT_REPLIES.len())];
                    commands.push((
                        merchant_user.clone(),
                        when,
                        Command::Conversation(ConversationCommand::PostMessage {
                            body: body(text),
                        }),
                    ));
                    if rng.u8(0..100) < 40 {
                        let when = next(&mut rng, HOUR, 2 * DAY);
                        let text = BUYER_REPLIES[rng.usize(..BUYER_REPLIES.len())];
                        commands.push((
                            Actor::Buyer,
                            when,
                            Command::Conversation(ConversationCommand::PostMessage {
                                body: body(text),
                            }),
                        ));
                    }
                }
                if kind == CaseKind::Dispute && rng.u8(0..3) == 0 {
                    // The buyer goes to the marketplace after an unsatisfying answer (before
                    // one, only once the shop's window passed: escalation.too_early).
                    if !answered {
                        let when = next(&mut rng, HOUR, DAY);
                        let text = MERCHANT_REPLIES[rng.usize(..MERCHANT_REPLIES.len())];
                        commands.push((
                            merchant_user.clone(),
                            when,
                            Command::Conversation(ConversationCommand::PostMessage {
                                body: body(text),
                            }),
                        ));
                    }
                    let when = next(&mut rng, HOUR, DAY);
                    commands.push((
                        Actor::Buyer,
                        when,
                        Command::Escalation(EscalationCommand::Escalate {
                            to: Some(Stage::Mediation),
                            reason: label("Pas de réponse satisfaisante du vendeur"),
                        }),
                    ));
                }
            }
            (Fate::Resolved | Fate::Closed, Some(ReturnEnd::Withdrawn)) => {
                let when = next(&mut rng, HOUR, 3 * DAY);
                commands.push((
                    Actor::Buyer,
                    when,
                    Command::Lifecycle(LifecycleCommand::Resolve {
                        resolution: Resolution::simple(ResolutionKind::Withdrawn),
                    }),
                ));
            }
            (Fate::Resolved | Fate::Closed, Some(end)) => {
                let line_id = || LineId::parse("1").expect("line id");
                let when = next(&mut rng, HOUR, 2 * DAY);
                commands.push((
                    merchant_user.clone(),
                    when,
                    Command::Returns(ReturnCommand::AuthoriseReturn {
                        returnless: end == ReturnEnd::Returnless,
                    }),
                ));
                if rng.u8(0..100) < 50 {
                    let when = next(&mut rng, MINUTE, HOUR);
                    let text = if end == ReturnEnd::Returnless {
                        RETURNLESS
                    } else {
                        RETURN_ACCEPTED[rng.usize(..RETURN_ACCEPTED.len())]
                    };
                    commands.push((
                        merchant_user.clone(),
                        when,
                        Command::Conversation(ConversationCommand::PostMessage {
                            body: body(text),
                        }),
                    ));
                }
                if end != ReturnEnd::Returnless {
                    // The parcel is back a few days later; the shop unpacks it.
                    let (condition, note) = match end {
                        ReturnEnd::Refused => (
                            ItemCondition::Damaged,
                            Some(label("Article taché et déchiré, étiquettes retirées")),
                        ),
                        ReturnEnd::PartialRefund => (
                            ItemCondition::Used,
                            Some(label(
                                "Traces d'usage visibles, emballage d'origine manquant",
                            )),
                        ),
                        _ if rng.bool() => (ItemCondition::New, None),
                        _ => (ItemCondition::LikeNew, None),
                    };
                    let when = next(&mut rng, 2 * DAY, 6 * DAY);
                    commands.push((
                        merchant_user.clone(),
                        when,
                        Command::Returns(ReturnCommand::ReceiveReturn {
                            lines: vec![ReceivedLine {
                                line_id: line_id(),
                                quantity: 1,
                                condition,
                                note,
                            }],
                        }),
                    ));
                }
                if matches!(end, ReturnEnd::Refused | ReturnEnd::PartialRefund) {
                    // The loss of value from handling beyond what trying needs (L221-23).
                    let deductions = if end == ReturnEnd::PartialRefund {
                        let cut = (line.unit_price * rng.i64(15..31) / 100 / 100).max(1) * 100;
                        vec![Deduction {
                            label: label("Dépréciation : article porté"),
                            amount: money(cut.min(line.unit_price - 100).max(100)),
                        }]
                    } else {
                        Vec::new()
                    };
                    let when = next(&mut rng, HOUR, DAY);
                    commands.push((
                        merchant_user.clone(),
                        when,
                        Command::Returns(ReturnCommand::InspectReturn {
                            lines: vec![InspectedLine {
                                line_id: line_id(),
                                compliant: false,
                                deductions,
                            }],
                        }),
                    ));
                }
                let when = next(&mut rng, 10 * MINUTE, DAY);
                let command = match end {
                    ReturnEnd::Refused => Command::Returns(ReturnCommand::RefuseReturn {
                        ground: label("Article retourné endommagé : il ne peut être repris"),
                    }),
                    ReturnEnd::StoreCredit => Command::Money(MoneyCommand::IssueStoreCredit {
                        amount: None,
                        bonus_percent: None,
                        resolve: true,
                    }),
                    ReturnEnd::Exchange => Command::Money(MoneyCommand::RecordExchange {
                        lines: vec![ExchangeLine {
                            line_id: line_id(),
                            quantity: Quantity::new(1).expect("quantity"),
                            sku: label(&format!("{}-T2", line.sku)),
                            title: label(&format!("{} (autre taille)", line.title)),
                            unit_price: money(line.unit_price),
                        }],
                        gateway: label(GATEWAY),
                    }),
                    _ => Command::Money(MoneyCommand::Refund {
                        amount: None,
                        deductions: Vec::new(),
                        gateway: label(GATEWAY),
                        resolve: true,
                    }),
                };
                let refunded = matches!(command, Command::Money(MoneyCommand::Refund { .. }));
                commands.push((merchant_user.clone(), when, command));
                if refunded {
                    // The payment gateway confirms the refund a minute or two later.
                    let when = next(&mut rng, MINUTE, 3 * MINUTE);
                    let (gateway, settle) = gateway_settles(case_id);
                    commands.push((gateway, when, settle));
                }
            }
            (Fate::Resolved | Fate::Closed, None) => {
                let when = next(&mut rng, HOUR, 2 * DAY);
                let text = MERCHANT_REPLIES[rng.usize(..MERCHANT_REPLIES.len())];
                commands.push((
                    merchant_user.clone(),
                    when,
                    Command::Conversation(ConversationCommand::PostMessage { body: body(text) }),
                ));
                let resolution = match (kind, rng.u8(0..100)) {
                    (_, 0..5) => None, // the buyer withdraws
                    (_, 5..15) if kind != CaseKind::PaymentDispute => Some(Resolution {
                        note: Some(label("Article utilisé, hors du délai de rétractation")),
                        ..Resolution::simple(ResolutionKind::Refusal)
                    }),
                    (_, 15..35) => Some(Resolution {
                        amount: Some(money((line.unit_price / 2).max(100))),
                        ..Resolution::simple(ResolutionKind::PartialRefund)
                    }),
                    (_, 35..45) => Some(Resolution {
                        // A gesture is paid from what the order was worth.
                        amount: Some(money(1000.min(line.unit_price))),
                        goodwill: Some(GoodwillKind::Voucher),
                        ..Resolution::simple(ResolutionKind::Goodwill)
                    }),
                    (_, 45..65) => Some(Resolution::simple(ResolutionKind::Replacement)),
                    _ => Some(Resolution::simple(ResolutionKind::FullRefund)),
                };
                let when = next(&mut rng, 2 * HOUR, 6 * DAY);
                match resolution {
                    None => commands.push((
                        Actor::Buyer,
                        when,
                        Command::Lifecycle(LifecycleCommand::Resolve {
                            resolution: Resolution::simple(ResolutionKind::Withdrawn),
                        }),
                    )),
                    // Some settle through an offer the buyer accepts, the others directly.
                    Some(terms) if terms.kind.can_be_offered() && rng.bool() => {
                        commands.push((
                            merchant_user.clone(),
                            when,
                            Command::Escalation(EscalationCommand::ProposeOffer {
                                terms: terms.clone(),
                                message: Some(body("Nous vous proposons la solution suivante.")),
                            }),
                        ));
                        let when = next(&mut rng, HOUR, 3 * DAY);
                        commands.push((
                            Actor::Buyer,
                            when,
                            Command::Escalation(EscalationCommand::AcceptOffer { offer_id: 1 }),
                        ));
                        // Terms that give money wait for it: the shop pays what it agreed
                        // (a refund through the gateway, or the voucher), which settles the case.
                        let payment = match terms.kind {
                            ResolutionKind::PartialRefund | ResolutionKind::FullRefund => {
                                Some(MoneyCommand::Refund {
                                    amount: None,
                                    deductions: Vec::new(),
                                    gateway: label(GATEWAY),
                                    resolve: true,
                                })
                            }
                            ResolutionKind::Goodwill => Some(MoneyCommand::Compensate {
                                kind: GoodwillKind::Voucher,
                                amount: terms.amount.unwrap_or(money(1000.min(line.unit_price))),
                                note: None,
                                resolve: true,
                                approver: true,
                                request_approval: false,
                            }),
                            _ => None,
                        };
                        if let Some(payment) = payment {
                            let refund = matches!(payment, MoneyCommand::Refund { .. });
                            let when = next(&mut rng, HOUR, 2 * DAY);
                            commands.push((merchant_user.clone(), when, Command::Money(payment)));
                            if refund {
                                let when = next(&mut rng, MINUTE, 3 * MINUTE);
                                let (gateway, settle) = gateway_settles(case_id);
                                commands.push((gateway, when, settle));
                            }
                        }
                    }
                    Some(resolution) => commands.push((
                        merchant_user.clone(),
                        when,
                        Command::Lifecycle(LifecycleCommand::Resolve { resolution }),
                    )),
                }
            }
            (Fate::Cancelled, _) => {
                let when = next(&mut rng, HOUR, 5 * DAY);
                let (actor, reason) = if kind == CaseKind::PaymentDispute {
                    (
                        commands[0].0.clone(),
                        "Litige retiré par le titulaire de la carte",
                    )
                } else {
                    (Actor::Buyer, "Colis finalement reçu, merci")
                };
                commands.push((
                    actor,
                    when,
                    Command::Lifecycle(LifecycleCommand::Cancel {
                        reason: label(reason),
                    }),
                ));
            }
        }
        if fate == Fate::Closed {
            // Closed by the inactivity timer two weeks later.
            let when = next(&mut rng, 14 * DAY, 15 * DAY);
            commands.push((
                Actor::System {
                    id: AUTO_CLOSE_JOB.into(),
                },
                when,
                Command::Lifecycle(LifecycleCommand::Close),
            ));
        }

        // A conversation that would run past the anchor is compressed to end before it.
        let last = commands.last().map_or(opened_at, |(_, at, _)| *at);
        let room = self.anchor - MINUTE - opened_at;
        if last - opened_at > room {
            for (_, at, _) in commands.iter_mut().skip(1) {
                *at = opened_at + (*at - opened_at) * room / (last - opened_at);
            }
        }

        Plan {
            case_id,
            order_id,
            merchant,
            fate,
            order_number,
            buyer_name: format!("{first} {last}"),
            buyer_email,
            placed_at,
            lines,
            shipping,
            provider: ["card", "paypal", "stripe"][rng.usize(..3)],
            carrier: CARRIERS[rng.usize(..CARRIERS.len())],
            delivered,
            commands,
        }
    }
}

impl Plan {
    fn total(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.unit_price * l.quantity)
            .sum::<i64>()
            + self.shipping
    }

    fn order_input(&self) -> OrderInput {
        let instant = |seconds: i64| {
            Timestamp::from_second(seconds)
                .expect("instant in range")
                .to_string()
        };
        let shipped = self.placed_at + DAY;
        OrderInput {
            external_id: self.order_number.clone(),
            placed_at: instant(self.placed_at),
            currency: "EUR".into(),
            buyer: BuyerInput {
                name: self.buyer_name.clone(),
                email: self.buyer_email.clone(),
                phone: None,
                locale: None,
            },
            lines: self
                .lines
                .iter()
                .map(|line| LineInput {
                    line_id: None,
                    sku: line.sku.clone(),
                    title: line.title.into(),
                    category: line.category.into(),
                    quantity: line.quantity,
                    unit_price_minor: line.unit_price,
                    flags: vec![],
                })
                .collect(),
            shipping_minor: Some(self.shipping),
            payment: Some(PaymentInput {
                provider: self.provider.into(),
                transaction_id: format!("TX-{}", &self.order_id.to_string()[..13]),
                captured_minor: self.total(),
            }),
            shipments: vec![ShipmentInput {
                shipment_id: None,
                carrier: self.carrier.into(),
                tracking_number: Some(format!("6A{}", &self.order_number[4..])),
                shipped_at: Some(instant(shipped)),
                delivered_at: self.delivered.then(|| instant(shipped + 2 * DAY)),
                lines: (1..=self.lines.len())
                    .map(|i| ShipmentLineInput {
                        line_id: i.to_string(),
                        quantity: self.lines[i - 1].quantity,
                    })
                    .collect(),
            }],
            shipping_address: None,
        }
    }
}

// ---------------------------------------------------------------------------

#[derive(Serialize)]
struct ManifestMerchant {
    id: String,
    slug: String,
    name: String,
}

/// What `bench/load.sh` reads.
#[derive(Serialize)]
struct Manifest {
    backend: &'static str,
    seed: u64,
    anchor: String,
    cases: usize,
    events: u64,
    operator_id: String,
    operator_slug: String,
    /// The busiest merchant: its inbox is the one the benchmark queries.
    merchant_id: String,
    merchants: Vec<ManifestMerchant>,
    /// Open cases (not long ones) to post messages to.
    sample_case_ids: Vec<String>,
    /// Open cases with exactly 50 events.
    long_case_ids: Vec<String>,
    generation_seconds: f64,
}

/// Runs every job due by `now` through the server's own worker code (a few workers at
/// once: their claims never overlap), until none is left; returns how many ran.
///
/// The stories leave nothing for them to do — refunds are settled by the gateway a minute
/// after they are recorded, and a return's refund deadline finds it refunded or refused —
/// so every one of them must be done afterwards: one that failed (retried later) or was
/// put off would run during the benchmark instead.
async fn run_due_jobs(store: &Store, now: Timestamp, workers: usize) -> anyhow::Result<usize> {
    let pending_before = store.pending_jobs().await?;
    let gateway: Arc<dyn PaymentGateway> = Arc::new(RecordingGateway::default());
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..workers.max(1) {
        let (store, gateway) = (store.clone(), gateway.clone());
        tasks.spawn(async move {
            let worker = format!("amiable-dataset-{k}");
            let mut ran = 0;
            loop {
                match amiable_app::jobs::run_due(&store, gateway.as_ref(), &worker, now).await? {
                    0 => return Ok::<_, anyhow::Error>(ran),
                    count => ran += count,
                }
            }
        });
    }
    let mut ran = 0;
    while let Some(done) = tasks.join_next().await {
        ran += done??;
    }
    let completed = pending_before - store.pending_jobs().await?;
    if completed != ran as i64 {
        bail!(
            "{} of the {ran} due timers did not complete (failed or rescheduled)",
            ran as i64 - completed
        );
    }
    Ok(ran)
}

/// A progress bar on a terminal; otherwise (a log file) a plain line every 10 %.
fn progress(len: usize, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(
            Some(len as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        let (reporter, what) = (bar.clone(), what.to_owned());
        std::thread::spawn(move || {
            let mut reported = 0;
            while !reporter.is_finished() {
                std::thread::sleep(std::time::Duration::from_millis(250));
                let (position, seconds) = (reporter.position(), reporter.elapsed().as_secs_f64());
                let tenth = position * 10 / len.max(1) as u64;
                if tenth > reported && tenth < 10 {
                    reported = tenth;
                    eprintln!(
                        "{what}: {position}/{len} ({}0 %) in {seconds:.0} s, {:.0}/s",
                        tenth,
                        position as f64 / seconds
                    );
                }
            }
        });
        return bar;
    }
    let style = ProgressStyle::with_template(
        "{prefix:>7} {bar:40} {pos}/{len} {per_sec} elapsed {elapsed_precise} eta {eta}",
    )
    .expect("valid template");
    ProgressBar::new(len as u64)
        .with_style(style)
        .with_prefix(what.to_owned())
}

async fn run(args: Args) -> anyhow::Result<()> {
    if args.cases == 0 || args.merchants == 0 {
        bail!("--cases and --merchants must be at least 1");
    }
    let anchor_day: jiff::civil::Date = match args.anchor.as_deref() {
        Some(text) => text
            .parse()
            .with_context(|| format!("--anchor must be a date such as 2026-11-22, not '{text}'"))?,
        None => Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date(),
    };
    let anchor = anchor_day
        .to_zoned(jiff::tz::TimeZone::UTC)?
        .timestamp()
        .as_second();

    let mut config = DatabaseConfig::new(args.database_url.clone());
    config.durability = match args.sqlite_synchronous.as_str() {
        "normal" => Durability::Normal,
        "full" => Durability::Full,
        other => bail!("--sqlite-synchronous must be full or normal, not '{other}'"),
    };
    config.max_connections = 16;
    // The history is in the past: with the default two weeks, the auto-close jobs of the
    // resolved cases would fall due at once and the server's worker would spend the
    // benchmark closing them. Closed cases here are closed by their own command.
    config.automation = Automation {
        auto_close_after: SignedDuration::from_hours(24 * 365 * 20),
    };
    let backend = if config.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let manifest_path = match (&args.manifest, config.sqlite_path()) {
        (Some(path), _) => path.clone(),
        (None, Some(db)) => db.with_extension("manifest.json"),
        (None, None) => PathBuf::from("amiable-dataset.json"),
    };
    let store = Store::connect(&config)
        .await
        .context("opening the database")?;
    if !store.operators().await?.is_empty() {
        bail!("the dataset needs an empty database, and this one already has operators");
    }
    let started = Instant::now();

    // The operator and its merchants, with ids from the seed.
    let generator = Arc::new(Generator::new(
        args.seed,
        args.cases,
        args.merchants,
        args.long_cases,
        anchor,
    ));
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let operator_slug = Slug::parse(&args.operator_slug)
        .map_err(|e| anyhow::anyhow!("--operator-slug: {}", e.message))?;
    let operator_id = OperatorId::from_bytes(rng_bytes(&mut rng));
    store
        .create_operator(
            operator_id,
            &operator_slug,
            "Marché de charge",
            &serde_json::json!({}),
        )
        .await?;
    let mut merchants = Vec::with_capacity(args.merchants);
    for k in 0..args.merchants {
        let id = MerchantId::from_bytes(rng_bytes(&mut rng));
        let name = match SHOP_NAMES.get(k) {
            Some(name) => (*name).to_owned(),
            None => format!(
                "{} {}",
                SHOP_NAMES[k % SHOP_NAMES.len()],
                k / SHOP_NAMES.len() + 1
            ),
        };
        let slug = format!("shop-{k:02}");
        store
            .create_merchant(
                id,
                operator_id,
                &Slug::parse(&slug).expect("slug"),
                &name,
                &serde_json::json!({}),
            )
            .await?;
        merchants.push(ManifestMerchant {
            id: id.to_string(),
            slug,
            name,
        });
    }
    let merchant_ids: Vec<MerchantId> = merchants
        .iter()
        .map(|m| MerchantId::parse(&m.id).expect("own id"))
        .collect();
    // Every shop's return policy, in force before the first order: the law's 14 days
    // stretched to 30, and store credit (with a bonus) or an exchange when the buyer asks.
    let policy_since = Timestamp::from_second(anchor - (HISTORY_DAYS + 60) * DAY)?;
    let policy = ReturnPolicy {
        window_days: 30,
        allowed_resolutions: vec![
            ResolutionKind::ReturnAndRefund,
            ResolutionKind::StoreCredit,
            ResolutionKind::Exchange,
        ],
        store_credit_bonus_percent: Some(10),
        ..ReturnPolicy::statutory()
    };
    for id in &merchant_ids {
        store
            .put_policy(
                operator_id,
                PolicyScope::Merchant(*id),
                &policy,
                "amiable-dataset",
                policy_since,
            )
            .await
            .context("publishing a return policy")?;
    }

    // Orders, in batches of one transaction each, a few batches at once on PostgreSQL.
    let postgres = config.is_postgres();
    let order_writers = args
        .order_writers
        .unwrap_or(if postgres { 4 } else { 1 })
        .max(1);
    let orders_started = Instant::now();
    let bar = progress(args.cases, "orders");
    let batch_size = args.order_batch.max(1);
    let merchant_ids = Arc::new(merchant_ids);
    let mut writers = tokio::task::JoinSet::new();
    for start in (0..args.cases).step_by(batch_size) {
        if writers.len() >= order_writers
            && let Some(done) = writers.join_next().await
        {
            done??;
        }
        let end = (start + batch_size).min(args.cases);
        let (store, generator, merchant_ids, bar) = (
            store.clone(),
            generator.clone(),
            merchant_ids.clone(),
            bar.clone(),
        );
        writers.spawn(async move {
            let batch: Vec<_> = (start..end)
                .map(|i| {
                    let plan = generator.plan(i);
                    let input = plan.order_input();
                    (
                        operator_id,
                        merchant_ids[plan.merchant],
                        input,
                        plan.order_id,
                    )
                })
                .collect();
            store
                .upsert_orders(&batch)
                .await
                .with_context(|| format!("upserting orders {start}..{end}"))?;
            bar.inc((end - start) as u64);
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(done) = writers.join_next().await {
        done??;
    }
    bar.finish_and_clear();
    let orders_seconds = orders_started.elapsed().as_secs_f64();
    eprintln!(
        "orders: {} in {orders_seconds:.1} s ({:.0}/s)",
        args.cases,
        args.cases as f64 / orders_seconds
    );

    // Cases: many in flight, each running its commands in order through the writer.
    let cases_started = Instant::now();
    let bar = progress(args.cases, "cases");
    let next = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let concurrency = args
        .concurrency
        .unwrap_or(if postgres { 4096 } else { 1024 })
        .max(1);
    for _ in 0..concurrency {
        let (store, generator, next, events, bar) = (
            store.clone(),
            generator.clone(),
            next.clone(),
            events.clone(),
            bar.clone(),
        );
        tasks.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= generator.cases {
                    return Ok::<_, anyhow::Error>(());
                }
                let plan = generator.plan(index);
                let mut version = 0;
                for (actor, at, command) in plan.commands {
                    let name = command.name();
                    let outcome = store
                        .execute(CommandRequest {
                            case_id: plan.case_id,
                            expected_version: Some(version),
                            command,
                            actor,
                            order_id: (version == 0).then_some(plan.order_id),
                            at: Some(Timestamp::from_second(at)?),
                        })
                        .await
                        .with_context(|| {
                            format!(
                                "case #{index} ({}): {name} at version {version}",
                                plan.case_id
                            )
                        })?;
                    events.fetch_add(outcome.events.len() as u64, Ordering::Relaxed);
                    version = outcome.version;
                }
                if plan.fate == Fate::Long && version != LONG_CASE_EVENTS as i64 {
                    bail!("long case #{index} has {version} events, not {LONG_CASE_EVENTS}");
                }
                bar.inc(1);
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    bar.finish_and_clear();
    let cases_seconds = cases_started.elapsed().as_secs_f64();
    let events = events.load(Ordering::Relaxed);
    eprintln!(
        "cases: {} with {events} events in {cases_seconds:.1} s ({:.0} cases/s, {:.0} events/s)",
        args.cases,
        args.cases as f64 / cases_seconds,
        events as f64 / cases_seconds
    );

    // The timers that fell due during the history run now, as the server's worker would
    // have run them: otherwise `amiable serve` would spend the benchmark on them.
    let jobs_started = Instant::now();
    let jobs = run_due_jobs(&store, Timestamp::from_second(anchor)?, args.timer_workers).await?;
    eprintln!(
        "timers: {jobs} due ones run in {:.1} s",
        jobs_started.elapsed().as_secs_f64()
    );

    // The manifest: open cases spread over the whole range, and the long ones.
    let open: Vec<usize> = (0..args.cases)
        .filter(|&i| generator.fate(i) == Fate::Open)
        .collect();
    let sample_case_ids: Vec<String> = open
        .iter()
        .step_by((open.len() / args.sample.max(1)).max(1))
        .take(args.sample)
        .map(|&i| generator.plan(i).case_id.to_string())
        .collect();
    let long_case_ids: Vec<String> = (0..args.cases)
        .step_by(generator.long_stride.min(args.cases))
        .filter(|&i| generator.is_long(i))
        .map(|i| generator.plan(i).case_id.to_string())
        .collect();
    let generation_seconds = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        backend,
        seed: args.seed,
        anchor: anchor_day.to_string(),
        cases: args.cases,
        events,
        operator_id: operator_id.to_string(),
        operator_slug: operator_slug.to_string(),
        merchant_id: merchants[0].id.clone(),
        merchants,
        sample_case_ids,
        long_case_ids,
        generation_seconds,
    };
    let file = std::fs::File::create(&manifest_path)
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    serde_json::to_writer_pretty(std::io::BufWriter::new(file), &manifest)?;

    // The timers only find settled cases: none of them appends an event.
    let counted_events = store.count_events().await?;
    if counted_events != events as i64 {
        bail!("the database holds {counted_events} events, the generator appended {events}");
    }
    if args.verify {
        let verify_started = Instant::now();
        let report = store.verify().await?;
        eprintln!(
            "verify: {} cases, {} events, {} in {:.1} s",
            report.cases,
            report.events,
            if report.is_ok() { "OK" } else { "BROKEN" },
            verify_started.elapsed().as_secs_f64()
        );
        if !report.is_ok() {
            bail!("verify found {} problem(s)", report.problems.len());
        }
    }
    store.close().await;

    eprintln!(
        "dataset: {} cases, {} orders, {events} events, {} merchants in {generation_seconds:.1} s \
         ({:.0} events/s overall); manifest {}",
        args.cases,
        args.cases,
        manifest.merchants.len(),
        events as f64 / generation_seconds,
        manifest_path.display()
    );
    println!("operator_id={}", manifest.operator_id);
    println!("operator_slug={}", manifest.operator_slug);
    println!("merchant_id={}", manifest.merchant_id);
    for id in manifest.long_case_ids.iter().take(3) {
        println!("long_case_id={id}");
    }
    println!("cases={}", manifest.cases);
    println!("events={events}");
    println!("seconds={generation_seconds:.1}");
    println!("manifest={}", manifest_path.display());
    Ok(())
}
