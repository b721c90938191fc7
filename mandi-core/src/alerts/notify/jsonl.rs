//! Alerts appended to a JSON-lines file, one record per delivery, deduplicated by key.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{Alert, UserId};
use crate::ports::notifier::{Notification, Notifier, NotifyError};

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonLinesRecord {
    /// The delivery's idempotency key.
    pub idempotency_key: String,
    /// The recipient.
    pub user_id: UserId,
    /// The alert.
    pub alert: Alert,
}

/// Appends each alert as one JSON line ([`JsonLinesRecord`]) and `fsync`s before reporting
/// success. On open it reads the keys already in the file, so a delivery repeated after a crash
/// (same idempotency key) is not written twice; a torn last line (a crash mid-write) is cut off.
#[derive(Debug)]
pub struct JsonLinesNotifier {
    path: PathBuf,
    channel: String,
    inner: Mutex<(File, HashSet<String>)>,
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> NotifyError {
    NotifyError::Transient {
        channel: "jsonl".to_owned(),
        reason: format!("cannot {what} {}: {e}", path.display()),
    }
}

impl JsonLinesNotifier {
    /// Opens (creating) the file at `path`; the channel is `jsonl`.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Transient`] when the file cannot be opened or read;
    /// [`NotifyError::Permanent`] when a complete line in it is not a record (the file is
    /// not ours; nothing is changed).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let n = mandi_core::alerts::notify::JsonLinesNotifier::open(dir.path().join("alerts.jsonl"))?;
    /// assert_eq!(n.delivered_keys().len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, NotifyError> {
        let path = path.as_ref().to_path_buf();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_err(&path, "open", e))?;
        let mut keys = HashSet::new();
        let mut good_len: u64 = 0;
        {
            let mut reader = BufReader::new(&file);
            let mut line = String::new();
            let mut line_no = 0usize;
            loop {
                line.clear();
                let n = reader
                    .read_line(&mut line)
                    .map_err(|e| io_err(&path, "read", e))?;
                if n == 0 {
                    break;
                }
                line_no += 1;
                if !line.ends_with('\n') {
                    break; // torn last line: cut below
                }
                let record: JsonLinesRecord =
                    serde_json::from_str(line.trim_end()).map_err(|e| NotifyError::Permanent {
                        channel: "jsonl".to_owned(),
                        reason: format!(
                            "{} line {line_no} is not an alert record ({e}); use another file",
                            path.display()
                        ),
                    })?;
                keys.insert(record.idempotency_key);
                good_len += n as u64;
            }
        }
        let len = file
            .metadata()
            .map_err(|e| io_err(&path, "inspect", e))?
            .len();
        if len > good_len {
            tracing::warn!(path = %path.display(), "cutting a torn last line left by a crash");
            file.set_len(good_len)
                .map_err(|e| io_err(&path, "truncate", e))?;
            file.sync_all().map_err(|e| io_err(&path, "sync", e))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| io_err(&path, "seek in", e))?;
        Ok(Self {
            path,
            channel: "jsonl".to_owned(),
            inner: Mutex::new((file, keys)),
        })
    }

    /// Uses another channel name (as stored in the outbox).
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = channel.into();
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The idempotency keys in the file.
    pub fn delivered_keys(&self) -> HashSet<String> {
        match self.inner.lock() {
            Ok(g) => g.1.clone(),
            Err(p) => p.into_inner().1.clone(),
        }
    }

    /// Reads every record of a JSON-lines alert file (a torn last line is skipped).
    ///
    /// # Errors
    ///
    /// As for [`JsonLinesNotifier::open`].
    pub fn read_records(path: impl AsRef<Path>) -> Result<Vec<JsonLinesRecord>, NotifyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| io_err(path, "read", e))?;
        let complete = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        complete
            .lines()
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| NotifyError::Permanent {
                    channel: "jsonl".to_owned(),
                    reason: format!(
                        "{} line {} is not an alert record: {e}",
                        path.display(),
                        i + 1
                    ),
                })
            })
            .collect()
    }
}

#[async_trait]
impl Notifier for JsonLinesNotifier {
    fn channel(&self) -> &str {
        &self.channel
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let mut guard = self.inner.lock().map_err(|_| NotifyError::Transient {
            channel: self.channel.clone(),
            reason: "the JSON-lines file is unusable after a panic".to_owned(),
        })?;
        let (file, keys) = &mut *guard;
        if keys.contains(&n.idempotency_key) {
            return Ok(());
        }
        let record = JsonLinesRecord {
            idempotency_key: n.idempotency_key.clone(),
            user_id: n.user.id,
            alert: n.alert.clone(),
        };
        let mut line = serde_json::to_vec(&record).map_err(|e| NotifyError::Permanent {
            channel: self.channel.clone(),
            reason: format!("the alert cannot be written as JSON: {e}"),
        })?;
        line.push(b'\n');
        let len = file
            .metadata()
            .map_err(|e| io_err(&self.path, "inspect", e))?
            .len();
        if let Err(e) = file.write_all(&line).and_then(|()| file.sync_data()) {
            // Never leave half a line behind for the next record to be glued to.
            let _ = file.set_len(len);
            return Err(io_err(&self.path, "append to", e));
        }
        keys.insert(n.idempotency_key.clone());
        Ok(())
    }
}
