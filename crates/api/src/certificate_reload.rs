//! Takes renewed Peppol key and certificate files into use without a restart. Each instance
//! looks at the files every `peppol_certificate_reload_secs` (a look is a hash of their
//! content, so a copy with an old modification time counts too); when one changed it reads
//! and checks all of them as at start, and only when all are usable replaces the access
//! point's keys (sending, receiving, receipts), the SMP (its key and the AP certificate it
//! publishes), the SML and Directory clients (whose TLS identity is the SMP certificate: the
//! SML takes only the new one from the migration date announced) and the certificate list at
//! once. A file that is not usable leaves everything as it was. Both outcomes go to the installation's audit log through the domain's
//! `peppol::certificates` use cases.
//!
//! Per instance and not a job on the queue: each instance holds its own keys in memory, and
//! one instance's reload does nothing for another's.

use std::{path::PathBuf, sync::Arc, time::Duration};

use haven_domain::peppol::certificates::{
    record_reload_failure, record_renewal, record_trust_renewal, InstalledCertificate, TrustFile,
};
use haven_peppol::{
    as4::ApKeys, directory::DirectoryClient, publisher::Publisher, rollover::Swappable,
    sml_manage::SmlManageClient, xmldsig::TrustAnchors,
};
use haven_persistence::Database;
use sha2::{Digest as _, Sha256};

use crate::config::{PeppolKeyMaterial, Settings};

/// The keys and certificates of the moment, shared by the AS4 receiver and sender, the SMP,
/// the operators' certificate list and the expiry check.
#[derive(Clone)]
pub struct PeppolKeys {
    pub ap: Option<Swappable<ApKeys>>,
    pub publisher: Option<Swappable<Publisher>>,
    pub certificates: Swappable<Vec<InstalledCertificate>>,
    /// The AP CAs, shared by the AS4 receiver and sender.
    pub ap_trust: Option<Swappable<TrustAnchors>>,
    /// The SMP CAs, shared with the network locator's SMP client.
    pub smp_trust: Option<Swappable<TrustAnchors>>,
    /// The SML client when registration is on (API and jobs), its TLS identity the SMP's.
    pub sml: Option<Swappable<SmlManageClient>>,
    /// The Peppol Directory's client when one is configured, its TLS identity the SMP's.
    pub directory: Option<Swappable<DirectoryClient>>,
}

/// The clients that present the SMP certificate, built from the settings as at start.
pub struct SmpClients {
    pub sml: Option<SmlManageClient>,
    pub directory: Option<DirectoryClient>,
}

impl SmpClients {
    /// # Errors
    /// When a setting is missing or a file cannot be read or used.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            sml: settings.peppol_sml_client()?,
            directory: settings.peppol_directory()?,
        })
    }
}

impl PeppolKeys {
    /// What was read at start.
    #[must_use]
    pub fn new(material: PeppolKeyMaterial, clients: SmpClients) -> Self {
        Self {
            sml: clients.sml.map(Swappable::new),
            directory: clients.directory.map(Swappable::new),
            ap: material.ap_keys.map(Swappable::new),
            publisher: material.publisher.map(Swappable::new),
            certificates: Swappable::new(material.certificates),
            ap_trust: material.ap_trust.map(Swappable::new),
            smp_trust: material.smp_trust.map(Swappable::new),
        }
    }

    /// Replaces every key, certificate and trust file with `material` (read from the same
    /// settings, so the same ones are configured); returns the trust files that changed.
    fn replace(&self, material: PeppolKeyMaterial, clients: SmpClients) -> Vec<TrustFile> {
        let mut changed = Vec::new();
        for (setting, shared, trust) in [
            ("peppol_ap_trust_file", &self.ap_trust, material.ap_trust),
            ("peppol_smp_trust_file", &self.smp_trust, material.smp_trust),
        ] {
            if let (Some(shared), Some(trust)) = (shared, trust) {
                if *shared.load() != trust {
                    let (anchors, intermediates) = trust.subjects();
                    changed.push(TrustFile {
                        setting,
                        anchors,
                        intermediates,
                    });
                    shared.store(trust);
                }
            }
        }
        if let (Some(shared), Some(keys)) = (&self.ap, material.ap_keys) {
            shared.store(keys);
        }
        if let (Some(shared), Some(publisher)) = (&self.publisher, material.publisher) {
            shared.store(publisher);
        }
        if let (Some(shared), Some(sml)) = (&self.sml, clients.sml) {
            shared.store(sml);
        }
        if let (Some(shared), Some(directory)) = (&self.directory, clients.directory) {
            shared.store(directory);
        }
        self.certificates.store(material.certificates);
        changed
    }
}

/// A hash of the files' names and contents (or of why one cannot be read).
fn fingerprint(files: &[PathBuf]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for file in files {
        hash.update(file.to_string_lossy().as_bytes());
        hash.update([0]);
        match std::fs::read(file) {
            Ok(content) => {
                hash.update((content.len() as u64).to_be_bytes());
                hash.update(&content);
            }
            Err(e) => hash.update(format!("unreadable: {}", e.kind()).as_bytes()),
        }
    }
    hash.finalize().into()
}

/// The periodic look at the files of one instance.
pub struct CertificateReloader {
    task: tokio::task::JoinHandle<()>,
}

impl CertificateReloader {
    /// The hash of the files as they are now: taken before they are read at start, so that
    /// a change during start is seen at the first look.
    #[must_use]
    pub fn files_now(settings: &Settings) -> [u8; 32] {
        fingerprint(&settings.peppol_key_files())
    }

    /// Starts looking, when `peppol_certificate_reload_secs` is not 0 and a Peppol key is
    /// configured; `seen` is [`CertificateReloader::files_now`] from before the start's read.
    #[must_use]
    pub fn start(
        settings: &Settings,
        keys: &PeppolKeys,
        db: &Database,
        seen: [u8; 32],
    ) -> Option<Self> {
        if settings.peppol_certificate_reload_secs == 0
            || (keys.ap.is_none() && keys.publisher.is_none())
        {
            return None;
        }
        let every = Duration::from_secs(settings.peppol_certificate_reload_secs);
        let (settings, keys, db) = (Arc::new(settings.clone()), keys.clone(), db.clone());
        let task = tokio::spawn(async move {
            let mut seen = seen;
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if let Some(now) = look(&settings, &keys, &db, seen).await {
                    seen = now;
                }
            }
        });
        Some(Self { task })
    }

    /// Stops looking.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// One look: `None` when the files are as `seen`, else their new hash once the change was
/// taken into use or recorded as failed.
async fn look(
    settings: &Arc<Settings>,
    keys: &PeppolKeys,
    db: &Database,
    seen: [u8; 32],
) -> Option<[u8; 32]> {
    let read = {
        let settings = Arc::clone(settings);
        tokio::task::spawn_blocking(move || {
            let files = settings.peppol_key_files();
            let now = fingerprint(&files);
            if now == seen {
                return None;
            }
            // The SMP's clients are built from the same files: all or nothing.
            let read = settings
                .peppol_key_material(true)
                .and_then(|material| Ok((material, SmpClients::from_settings(&settings)?)));
            Some((now, read))
        })
        .await
    };
    let (now, material) = match read {
        Ok(Some(read)) => read,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, "reading the Peppol key files stopped");
            return None;
        }
    };
    let recorded = match material {
        Ok((material, clients)) => {
            let before = keys.certificates.load();
            let after = material.certificates.clone();
            let trusts = keys.replace(material, clients);
            let mut recorded = record_renewal(db, &before, &after).await.map(|_| ());
            for trust in &trusts {
                if recorded.is_ok() {
                    recorded = record_trust_renewal(db, trust).await;
                }
            }
            recorded
        }
        Err(e) => record_reload_failure(db, &format!("{e:#}")).await,
    };
    if let Err(e) = recorded {
        // The keys are in use either way; the next look tries the audit log again.
        tracing::error!(error = %e, "could not record the Peppol certificate reload");
        return None;
    }
    Some(now)
}
