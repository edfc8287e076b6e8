//! `vigil site import|export`: the site as a TOML file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::SiteCommand;
use crate::core::sitefile::{parse_site_toml, site_to_toml};
use crate::store::Store;

pub fn run(data_dir: &Path, command: &SiteCommand) -> Result<ExitCode> {
    match command {
        SiteCommand::Import { file } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            let site = parse_site_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let mut store = Store::open_dir(data_dir)?;
            store.replace_site(&site)?;
            eprintln!("imported {} neighborhoods and {} cameras into {}", site.neighborhoods.len(), site.cameras.len(), data_dir.display());
            Ok(ExitCode::SUCCESS)
        }
        SiteCommand::Export { out } => {
            let store = Store::open_dir(data_dir)?;
            let Some(site) = store.load_site()? else {
                bail!("no site in {}; import one with `vigil site import FILE`", data_dir.display())
            };
            let text = site_to_toml(&site);
            match out {
                Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
