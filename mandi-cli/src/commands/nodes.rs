//! `mandi nodes <id>…`: browse nodes (categories) with their ancestors and children.

use serde::Serialize;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use mandi_core::{BrowseNode, BrowseNodesRequest};

const EXAMPLES: &str = "\
Examples:
  mandi nodes 1805560031
  mandi nodes 1805560031 1375424031
  mandi --json nodes 1805560031";

/// `mandi nodes`: browse nodes by id.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// Browse node ids (numbers), one to ten.
    #[arg(required = true, value_name = "ID")]
    ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Nodes(&'a [BrowseNode]),
}

/// Runs `mandi nodes`.
///
/// # Errors
///
/// Bad ids, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let request = BrowseNodesRequest {
        marketplace: settings.general.marketplace,
        ids: cmd.ids,
    };
    request
        .validate()
        .map_err(|e| Error::Input(e.to_string()))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let nodes = app.catalog.browse_nodes(&request).await?;
        if out.is_json() {
            out.json(&Document::Nodes(&nodes))?;
        } else {
            for node in &nodes {
                let path: Vec<&str> = node
                    .ancestors
                    .iter()
                    .rev()
                    .map(|a| a.name.as_str())
                    .chain(std::iter::once(node.name.as_str()))
                    .collect();
                out.line(format!("{}  {}", node.id, path.join(" › ")))?;
                for child in &node.children {
                    out.line(format!("    {}  {}", child.id, child.name))?;
                }
            }
            let found: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
            for id in request
                .ids
                .iter()
                .filter(|id| !found.contains(&id.as_str()))
            {
                out.note(format!("{id}: not found"))?;
            }
        }
        Ok(if nodes.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
