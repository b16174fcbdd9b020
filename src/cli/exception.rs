//! `seqr-recon exception list|acknowledge|snooze|resolve|reopen|history`:
//! what accountants do to the exceptions, for whoever runs it for them.

use std::path::Path;

use chrono::NaiveDate;

use super::{load_config, ExitCode};
use crate::backoffice::current_user;
use crate::config::Shop;
use crate::domain::Resolution;
use crate::export::todo::money;
use crate::store::Store;
use crate::worklist;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ExceptionCommand,
}

/// Which items: the shop and the ersReference or invoice reference, as in the report.
#[derive(Debug, clap::Args)]
pub struct Item {
    #[arg(long)]
    shop: String,
    /// The ersReference or invoice reference, as in the report and exceptions.csv.
    #[arg(long)]
    reference: String,
    /// Who does it (default: the user running the command).
    #[arg(long)]
    by: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ExceptionCommand {
    /// The to-do list of a shop's latest close, as its email lists it.
    List {
        #[arg(long)]
        shop: String,
    },
    /// Someone is on it: it stays listed, marked, without asking anyone else to act.
    Acknowledge {
        #[command(flatten)]
        item: Item,
        /// Who is on it and what they do.
        #[arg(long)]
        note: String,
    },
    /// Off the list until a day (the shop's calendar, YYYY-MM-DD).
    Snooze {
        #[command(flatten)]
        item: Item,
        #[arg(long)]
        until: NaiveDate,
        /// Why it can wait.
        #[arg(long)]
        note: String,
    },
    /// Close the open exceptions of a reference; they stay in the history.
    Resolve {
        #[command(flatten)]
        item: Item,
        /// refund, correction, write-off, confirmed (a PROBABLE_MATCH is the same sale) or rejected
        /// (it is not: never propose the pair again).
        #[arg(long)]
        how: Resolution,
        #[arg(long)]
        why: String,
    },
    /// Open again what was resolved by hand: the next close classifies it as if nobody had.
    Reopen {
        #[command(flatten)]
        item: Item,
        #[arg(long)]
        why: String,
    },
    /// Every change to the items of a reference: who, when, why.
    History {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        reference: String,
    },
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let store = Store::open_configured(&cfg.store)?;
    let shop_of = |id: &str| cfg.require_shop(id);
    let by = |item: &Item| item.by.clone().unwrap_or_else(current_user);
    match args.command {
        ExceptionCommand::List { shop } => print_list(&store, shop_of(&shop)?)?,
        ExceptionCommand::Acknowledge { item, note } => {
            let n = worklist::acknowledge(&store, &shop_of(&item.shop)?.id, &item.reference, &note, &by(&item))?;
            println!("{n} open exception(s) of {} acknowledged: they stay listed, marked as in hand.", item.reference);
        }
        ExceptionCommand::Snooze { item, until, note } => {
            let n = worklist::snooze(&store, shop_of(&item.shop)?, &item.reference, until, &note, &by(&item))?;
            println!("{n} open exception(s) of {} snoozed until {until}.", item.reference);
        }
        ExceptionCommand::Resolve { item, how, why } => {
            let n = worklist::resolve(&store, &shop_of(&item.shop)?.id, &item.reference, how, &why, &by(&item))?;
            if how == Resolution::Rejected {
                println!(
                    "{n} probable match(es) of {} rejected: the items stay open under their own category.",
                    item.reference
                );
            } else {
                println!(
                    "{n} open exception(s) of {} resolved ({how}); they leave the open list and stay in the history.",
                    item.reference
                );
            }
        }
        ExceptionCommand::Reopen { item, why } => {
            let n = worklist::reopen(&store, &shop_of(&item.shop)?.id, &item.reference, &why, &by(&item))?;
            println!("{n} item(s) of {} open again: the next close lists them.", item.reference);
        }
        ExceptionCommand::History { shop, reference } => print_history(&store, shop_of(&shop)?, &reference)?,
    }
    Ok(ExitCode::Success)
}

/// The to-do list of the shop's latest close, one item a line.
fn print_list(store: &Store, shop: &Shop) -> anyhow::Result<()> {
    let Some(latest) = worklist::todo(store, &shop.id)? else {
        println!("shop {} has no reconciled close yet", shop.id);
        return Ok(());
    };
    let agenda = latest.agenda(shop);
    for e in &agenda.to_act {
        println!(
            "{:>12} {:<22} {:<10} {:<28} {}{}",
            money(e.item.at_risk),
            e.item.category.as_str(),
            e.age(),
            e.item.reference.as_deref().unwrap_or(""),
            e.terminal(),
            e.standing().map(|s| format!("  [{s}]")).unwrap_or_default()
        );
    }
    println!(
        "{} item(s) to act on, {} {} at risk; {} snoozed (close {})",
        agenda.items(),
        money(agenda.at_risk()),
        shop.currency,
        agenda.snoozed.len(),
        latest.close_seq
    );
    Ok(())
}

/// Every change to the items of `reference`, oldest first.
fn print_history(store: &Store, shop: &Shop, reference: &str) -> anyhow::Result<()> {
    let lines = worklist::history(store, &shop.id, reference)?;
    if lines.is_empty() {
        println!("nobody has changed anything of {reference} in shop {}", shop.id);
    }
    for l in lines {
        let detail = match (l.until, l.how) {
            (Some(until), _) => format!(" until {until}"),
            (_, Some(how)) => format!(" ({how})"),
            _ => String::new(),
        };
        println!("{} {}{detail} by {}: {} [{}]", l.at.format("%Y-%m-%d %H:%M UTC"), l.event, l.by, l.note, l.item_key);
    }
    Ok(())
}
