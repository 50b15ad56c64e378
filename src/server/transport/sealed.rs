//! Cached bytes the kernel can send without copying them: each cached chunk (and each large whole file
//! in the cache) lives in its own sealed `memfd`, memory-mapped read-only and handed to hyper as
//! `Bytes`. Under high concurrency (from `Config::sendfile_min_connections` open connections on) the
//! socket writer ([`poll_send`], used by [`super::Socket`]) recognises a buffer that
//! starts inside such a mapping and sends it with `sendfile` from the memfd, so page references go to
//! the socket instead of a `memcpy`; any other buffer, and every buffer below that concurrency (where
//! one `memcpy` measured cheaper than the kernel's per-page splice), goes through `writev` as usual.
//!
//! Why this is sound where mapping the asset files was not: the memfd is a private snapshot filled once
//! from the response's descriptor (and checked against the file's identity afterwards, by the caller)
//! and then sealed against writing, shrinking and growing (`F_SEAL_WRITE | F_SEAL_SHRINK |
//! F_SEAL_GROW | F_SEAL_SEAL`). No process, including this one, can change or truncate it afterwards,
//! so the mapping can neither change under a response nor raise SIGBUS, and the pages `sendfile` hands
//! to the socket stay the bytes of one version. Bytes already in memory (chunks and objects fetched from
//! object storage) are sealed the same way ([`seal`]) so they go out without a copy too. This is the
//! one module that needs `unsafe`: the `mmap` call. It does not decide what is cached (`cache.rs`) nor
//! check identities (`files.rs`, `chunks.rs`).

#![allow(unsafe_code)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use rustix::fs::{MemfdFlags, SealFlags};
use tokio::io::{AsyncWrite, Interest};
use tokio::net::TcpStream;

/// Mapped sealed chunks by start address: (length, the memfd).
type Registry = RwLock<BTreeMap<usize, (usize, Arc<File>)>>;

static MAPPED: Registry = RwLock::new(BTreeMap::new());

/// A sealed memfd and its read-only mapping; unregisters itself when hyper and the cache drop it.
struct Sealed {
    map: memmap2::Mmap,
}

impl AsRef<[u8]> for Sealed {
    fn as_ref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for Sealed {
    fn drop(&mut self) {
        if let Ok(mut mapped) = MAPPED.write() {
            mapped.remove(&(self.map.as_ptr() as usize));
        }
    }
}

/// Copy `len` bytes at `offset` of `src` into a new sealed memfd (in the kernel, page cache to page
/// cache) and return them as `Bytes` that [`poll_send`] sends without a copy. `Ok(None)` when the file
/// ended early (truncated); errors when memfds are unavailable, so the caller can fall back to a plain
/// read.
pub fn copy(src: &File, offset: u64, len: usize) -> io::Result<Option<Bytes>> {
    if len == 0 {
        return Ok(Some(Bytes::new()));
    }
    let fd = rustix::fs::memfd_create("playtube-chunk", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
    let memfd = File::from(fd);
    memfd.set_len(len as u64)?;
    let mut from = offset;
    let mut done = 0;
    while done < len {
        match rustix::fs::sendfile(memfd.as_fd(), src.as_fd(), Some(&mut from), len - done) {
            Ok(0) => return Ok(None),
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    seal_and_map(memfd, len).map(Some)
}

/// Copy `bytes` (fetched from object storage, say) into a new sealed memfd and return them as `Bytes`
/// that [`poll_send`] sends without a copy, like [`copy`] does for a file's bytes. Errors when memfds
/// are unavailable, so the caller can keep the plain bytes.
pub fn seal(bytes: &[u8]) -> io::Result<Bytes> {
    if bytes.is_empty() {
        return Ok(Bytes::new());
    }
    let fd = rustix::fs::memfd_create("playtube-chunk", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
    let mut memfd = File::from(fd);
    io::Write::write_all(&mut memfd, bytes)?;
    seal_and_map(memfd, bytes.len())
}

/// Seal a filled memfd of `len` bytes, map it read-only and register the mapping for [`poll_send`].
fn seal_and_map(memfd: File, len: usize) -> io::Result<Bytes> {
    rustix::fs::fcntl_add_seals(&memfd, SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)?;
    // SAFETY: the memfd is sealed against writes, shrinking and growing (checked by the kernel for
    // every process, this one included), so the mapped bytes can never change and never go away while
    // mapped: no aliasing writes, no SIGBUS.
    let map = unsafe { memmap2::Mmap::map(&memfd)? };
    if map.len() != len {
        return Err(io::Error::other("sealed memfd has an unexpected length"));
    }
    let start = map.as_ptr() as usize;
    if let Ok(mut mapped) = MAPPED.write() {
        mapped.insert(start, (len, Arc::new(memfd)));
    }
    Ok(Bytes::from_owner(Sealed { map }))
}

/// The sealed memfd that `ptr` points into, and the offset of `ptr` in it.
fn find(ptr: *const u8) -> Option<(Arc<File>, u64)> {
    let addr = ptr as usize;
    let mapped = MAPPED.read().ok()?;
    let (start, (len, file)) = mapped.range(..=addr).next_back()?;
    (addr < start + len).then(|| (Arc::clone(file), (addr - start) as u64))
}

/// Write `bufs` to `stream`. With `sendfile` on (`Some` counter), a leading buffer that lies in a sealed
/// chunk goes with `sendfile`, and the bytes it sent are added to the counter; else the leading run of
/// ordinary buffers goes with `writev`. With it off, all go with `writev` (the mapped bytes are readable
/// like any others). Partial writes, as `AsyncWrite` allows.
pub fn poll_send(
    stream: &mut TcpStream,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
    sendfile: Option<&AtomicU64>,
) -> Poll<io::Result<usize>> {
    let first = if sendfile.is_some() { bufs.iter().position(|b| !b.is_empty()) } else { None };
    let (Some(first), Some(counter)) = (first, sendfile) else {
        return std::pin::Pin::new(stream).poll_write_vectored(cx, bufs);
    };
    let bufs = &bufs[first..];
    if let Some((file, mut offset)) = find(bufs[0].as_ptr()) {
        let len = bufs[0].len();
        loop {
            ready!(stream.poll_write_ready(cx))?;
            let sent = stream.try_io(Interest::WRITABLE, || {
                rustix::fs::sendfile(stream.as_fd(), file.as_fd(), Some(&mut offset), len).map_err(io::Error::from)
            });
            match sent {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Ok(n) => {
                    counter.fetch_add(n as u64, Ordering::Relaxed);
                    return Poll::Ready(Ok(n));
                }
                other => return Poll::Ready(other),
            }
        }
    }
    let plain = bufs.iter().position(|b| find(b.as_ptr()).is_some()).unwrap_or(bufs.len());
    std::pin::Pin::new(stream).poll_write_vectored(cx, &bufs[..plain])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sealed_copy_holds_the_bytes_and_cannot_be_changed() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"0123456789").unwrap();
        let bytes = copy(&f, 2, 5).unwrap().unwrap();
        assert_eq!(&bytes[..], b"23456");
        let (memfd, at) = find(bytes[1..].as_ptr()).expect("registered");
        assert_eq!(at, 1);
        assert!(memfd.set_len(1).is_err(), "sealed against shrinking");
        assert!((&*memfd).write_all(b"x").is_err(), "sealed against writing");
        let start = bytes.as_ptr();
        drop((bytes, memfd));
        assert!(find(start).is_none(), "unregistered when dropped");
    }

    #[test]
    fn sealed_bytes_hold_a_copy_and_are_registered_for_sendfile() {
        let src: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let bytes = seal(&src).unwrap();
        assert_eq!(&bytes[..], &src[..]);
        let (memfd, at) = find(bytes[70_000..].as_ptr()).expect("registered");
        assert_eq!(at, 70_000);
        assert!((&*memfd).write_all(b"x").is_err(), "sealed against writing");
        let start = bytes.as_ptr();
        drop((bytes, memfd));
        assert!(find(start).is_none(), "unregistered when dropped");
        assert!(seal(b"").unwrap().is_empty());
    }

    #[test]
    fn copy_of_a_file_that_ends_early_is_none() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"short").unwrap();
        assert!(copy(&f, 0, 100).unwrap().is_none());
    }
}
