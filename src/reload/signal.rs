//! `SIGHUP` as a reload trigger (Unix): signal-hook's iterator on a thread
//! of its own, closed when the reloader is dropped.

use std::fmt;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

use super::{Message, ReloadError, Trigger};

/// `SIGHUP` as a reload trigger: a thread reading signal-hook's iterator.
pub(super) struct SignalThread {
    handle: signal_hook::iterator::Handle,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for SignalThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalThread").finish_non_exhaustive()
    }
}

impl SignalThread {
    pub(super) fn start(tx: Sender<Message>) -> Result<SignalThread, ReloadError> {
        let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP])
            .map_err(|e| ReloadError::Signal(e.to_string()))?;
        let handle = signals.handle();
        let thread = std::thread::Builder::new()
            .name("sealed-session SIGHUP".to_owned())
            .spawn(move || {
                for _ in signals.forever() {
                    if tx.send(Message::Reload(Trigger::Signal)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| ReloadError::Signal(format!("cannot start its thread: {e}")))?;
        Ok(SignalThread {
            handle,
            thread: Some(thread),
        })
    }
}

impl Drop for SignalThread {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
