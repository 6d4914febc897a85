//! `hsqb force-unlock LOCK_ID`: remove a lock left by a run that died.

use super::{CliError, Output, common, exit};
use crate::state::StateError;
use std::path::Path;

/// One-line help.
pub const ABOUT: &str = "Release the state lock left behind by a run that no longer exists";

/// `--help` text.
pub const LONG_ABOUT: &str = "Remove the state lock with the given id. Use it only when the run \
holding the lock is dead or hung (its host and pid are shown in the error that named the lock \
and by `hsqb state list`): two applies running at once could write the same change twice. A \
lock left by a dead process on the same host (local state) or by a database session that ended \
(Postgres state) is taken over automatically by the next apply. With Postgres, force-unlock also \
ends the holder's database session if it still has one.

Example:
  hsqb force-unlock 4b0c8d0e-6f0e-4a55-9a8b-0d2a1c3f9e77";

/// Arguments of `hsqb force-unlock`.
#[derive(Debug, Clone, clap::Args)]
pub struct ForceUnlockArgs {
    /// The lock id (from the "state is locked" error or `hsqb state show`).
    pub lock_id: String,
}

/// Run `hsqb force-unlock`.
pub fn run(file: &Path, args: &ForceUnlockArgs, out: &Output) -> Result<u8, CliError> {
    let loaded = common::load_manifest(file, out)?;
    let rt = common::runtime()?;
    rt.block_on(async {
        let store = common::open_store(&loaded).await?;
        match store.force_unlock(&args.lock_id).await {
            Ok(h) => {
                out.data(&format!("Released {h}.\n"));
                Ok(exit::OK)
            }
            Err(e @ StateError::WrongLock { .. }) => Err(CliError::new(e.to_string())),
            Err(e) => Err(CliError::new(e.to_string())),
        }
    })
}
