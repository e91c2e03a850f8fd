//! The build context and the Dockerfile, served to BuildKit through the build's session as
//! the Docker CLI serves them (`moby.filesync.v1.FileSync/DiffCopy`, fsutil's protocol),
//! instead of a tar of the whole context sent with the request: BuildKit asks for the folders
//! it needs when it needs them (the Dockerfile's first, then `.dockerignore`, then the
//! context only when a `COPY` or `ADD` reads it), names what it wants with include and
//! exclude patterns, and of the files listed asks only for those it has not got already.
//!
//! The protocol, Berth being the sender: one `STAT` packet per entry in walk order (a folder
//! before what it holds, names in byte order), an empty `STAT` to end the listing; then for
//! each `REQ` of an entry (numbered in listing order) its content in `DATA` packets and an
//! empty `DATA`; `FIN` answered with `FIN`. Owners are sent as 0, as the Docker CLI sends them.

use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use bollard_buildkit_proto::fsutil::types::{packet::PacketType, Packet, Stat};
use bollard_buildkit_proto::moby::filesync::packet::file_sync_server::FileSync;
use tokio::io::AsyncReadExt;

use crate::build::Ignore;

/// A folder the session serves, under the name BuildKit asks for (`context`, `dockerfile`).
#[derive(Clone, Debug)]
pub enum Source {
    /// A folder of the machine.
    Dir(PathBuf),
    /// Files made up in memory (an inline Dockerfile), each a name and its content.
    Files(Vec<(String, Vec<u8>)>),
}

/// One entry of a listing: its stat as sent, and where its content is.
#[derive(Debug)]
struct Entry {
    stat: Stat,
    content: Option<Content>,
}

#[derive(Clone, Debug)]
enum Content {
    File(PathBuf),
    Bytes(Arc<Vec<u8>>),
}

/// Go's `os.FileMode` bits, which fsutil sends as the mode.
mod go_mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const DEVICE: u32 = 1 << 26;
    pub const NAMED_PIPE: u32 = 1 << 25;
    pub const SOCKET: u32 = 1 << 24;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const CHAR_DEVICE: u32 = 1 << 21;
    pub const STICKY: u32 = 1 << 20;
}

/// A file's mode as Go's `os.FileMode`: the permissions, the special bits and the type.
fn go_file_mode(md: &std::fs::Metadata) -> u32 {
    let unix = md.permissions().mode();
    let mut mode = unix & 0o777;
    for (bit, go) in [
        (0o4000, go_mode::SETUID),
        (0o2000, go_mode::SETGID),
        (0o1000, go_mode::STICKY),
    ] {
        if unix & bit != 0 {
            mode |= go;
        }
    }
    let t = md.file_type();
    if t.is_dir() {
        mode |= go_mode::DIR;
    } else if t.is_symlink() {
        mode |= go_mode::SYMLINK;
    } else if t.is_fifo() {
        mode |= go_mode::NAMED_PIPE;
    } else if t.is_socket() {
        mode |= go_mode::SOCKET;
    } else if t.is_block_device() {
        mode |= go_mode::DEVICE;
    } else if t.is_char_device() {
        mode |= go_mode::DEVICE | go_mode::CHAR_DEVICE;
    }
    mode
}

/// What BuildKit asked for: patterns of what to include (nothing else then) and exclude,
/// read as `.dockerignore` patterns are.
#[derive(Debug, Default)]
pub struct Filter {
    includes: Option<Ignore>,
    excludes: Ignore,
}

impl Filter {
    #[must_use]
    pub fn new(includes: &[String], excludes: &[String]) -> Filter {
        Filter {
            includes: (!includes.is_empty()).then(|| Ignore::parse(&includes.join("\n"))),
            excludes: Ignore::parse(&excludes.join("\n")),
        }
    }

    /// Whether `path` is included: there are no include patterns, or one names it or a
    /// folder above it.
    fn included(&self, path: &str) -> bool {
        self.includes.as_ref().is_none_or(|i| i.excludes(path))
    }

    /// Whether an include pattern could name something below the folder `path`.
    fn may_include_below(&self, path: &str) -> bool {
        self.includes.as_ref().is_none_or(|i| i.matches_below(path))
    }
}

/// Lists `source` as BuildKit asked (`filter`), in walk order.
///
/// # Errors
/// An unreadable folder or entry, named.
fn list(source: &Source, filter: &Filter) -> Result<Vec<Entry>, String> {
    match source {
        Source::Files(files) => {
            let mut files: Vec<&(String, Vec<u8>)> = files
                .iter()
                .filter(|(name, _)| filter.included(name) && !filter.excludes.excludes(name))
                .collect();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(files
                .into_iter()
                .map(|(name, data)| Entry {
                    stat: Stat {
                        path: name.clone(),
                        mode: 0o644,
                        size: i64::try_from(data.len()).unwrap_or(i64::MAX),
                        ..Stat::default()
                    },
                    content: Some(Content::Bytes(Arc::new(data.clone()))),
                })
                .collect())
        }
        Source::Dir(root) => {
            let mut out = Vec::new();
            walk(root, "", filter.includes.is_none(), filter, &mut out)?;
            Ok(out)
        }
    }
}

/// Lists the folder `rel` of `root` into `out`; `included` when an include pattern named a
/// folder above it (or there are none). Returns whether anything was listed.
fn walk(
    root: &Path,
    rel: &str,
    included: bool,
    filter: &Filter,
    out: &mut Vec<Entry>,
) -> Result<bool, String> {
    let dir = root.join(rel);
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    let mut any = false;
    for name in names {
        let name = name.to_string_lossy();
        let path = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let full = root.join(&path);
        let md =
            std::fs::symlink_metadata(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        let named = included || filter.included(&path);
        let excluded = filter.excludes.excludes(&path);
        let mut stat = Stat {
            path: path.clone(),
            mode: go_file_mode(&md),
            mod_time: md.mtime() * 1_000_000_000 + md.mtime_nsec(),
            ..Stat::default()
        };
        if md.is_dir() {
            let descend = (named || filter.may_include_below(&path))
                && (!excluded || filter.excludes.may_include_below(&path));
            if !descend {
                continue;
            }
            let at = out.len();
            out.push(Entry {
                stat,
                content: None,
            });
            let below = walk(root, &path, named, filter, out)?;
            if named && !excluded || below {
                any = true;
            } else {
                // Listed only for what it holds, and it holds nothing listed.
                out.truncate(at);
            }
            continue;
        }
        if !named || excluded {
            continue;
        }
        let content = if md.file_type().is_symlink() {
            let target =
                std::fs::read_link(&full).map_err(|e| format!("{}: {e}", full.display()))?;
            stat.linkname = target.to_string_lossy().into_owned();
            stat.size = i64::try_from(md.len()).unwrap_or(0);
            None
        } else if md.is_file() {
            stat.size = i64::try_from(md.len()).unwrap_or(i64::MAX);
            Some(Content::File(full))
        } else {
            if md.file_type().is_block_device() || md.file_type().is_char_device() {
                let dev = md.rdev();
                stat.devmajor = i64::try_from((dev >> 8) & 0xfff).unwrap_or(0);
                stat.devminor = i64::try_from((dev & 0xff) | ((dev >> 12) & 0xfff00)).unwrap_or(0);
            }
            None
        };
        out.push(Entry { stat, content });
        any = true;
    }
    Ok(any)
}

/// `paths` and, for each that is a symbolic link, what it points to (within `root`), in turn:
/// what fsutil adds to the include patterns for its `FollowPaths`.
fn follow_links(root: &Path, paths: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        let mut current = clean(p);
        for _ in 0..255 {
            if current.is_empty() || out.contains(&current) {
                break;
            }
            out.push(current.clone());
            let Ok(target) = std::fs::read_link(root.join(&current)) else {
                break;
            };
            let target = target.to_string_lossy().into_owned();
            current = if target.starts_with('/') {
                clean(&target)
            } else {
                let dir = current.rsplit_once('/').map_or("", |(d, _)| d);
                clean(&format!("{dir}/{target}"))
            };
        }
    }
    out
}

/// A path inside the served folder, relative, without `.`, `..` or doubled slashes.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The folders a build's session serves, by the names BuildKit asks for.
#[derive(Clone, Debug, Default)]
pub struct Folders(pub HashMap<String, Source>);

impl Folders {
    /// The key under which BuildKit keeps what it was sent of these folders between builds
    /// (so that the next build of the same context sends only what changed): a digest of
    /// the context's path, as the Docker CLI derives its own.
    #[must_use]
    pub fn shared_key(&self) -> String {
        use sha2::Digest as _;
        let context = match self.0.get("context") {
            Some(Source::Dir(d)) => d.to_string_lossy().into_owned(),
            _ => String::new(),
        };
        if context.is_empty() {
            return String::new();
        }
        let digest = sha2::Sha256::digest(format!("berth:{context}").as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// gRPC metadata values as BuildKit sends them: a value with characters a header cannot carry
/// is percent-encoded.
fn header_values(meta: &tonic::metadata::MetadataMap, key: &str) -> Vec<String> {
    meta.get_all(key)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| {
            if v.contains('%') {
                percent_decode(v).unwrap_or_else(|| v.to_string())
            } else {
                v.to_string()
            }
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn packet(kind: PacketType) -> Packet {
    Packet {
        r#type: kind as i32,
        ..Packet::default()
    }
}

/// Sends the content of `entry` as `DATA` packets of `id`, then the empty one.
async fn send_content(
    id: u32,
    content: Content,
    tx: &tokio::sync::mpsc::Sender<Result<Packet, tonic::Status>>,
) -> Result<(), String> {
    const PIECE: usize = 32 * 1024;
    let data = |data: Vec<u8>| Packet {
        r#type: PacketType::PacketData as i32,
        id,
        data,
        ..Packet::default()
    };
    let closed = |_| "the builder stopped reading".to_string();
    match content {
        Content::Bytes(bytes) => {
            for piece in bytes.chunks(PIECE) {
                tx.send(Ok(data(piece.to_vec()))).await.map_err(closed)?;
            }
        }
        Content::File(path) => {
            let mut file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            loop {
                let mut buf = vec![0u8; PIECE];
                let n = file
                    .read(&mut buf)
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                tx.send(Ok(data(buf))).await.map_err(closed)?;
            }
        }
    }
    tx.send(Ok(data(Vec::new()))).await.map_err(closed)
}

/// The packets Berth sends back on a FileSync call.
type Packets =
    Pin<Box<dyn futures_util::Stream<Item = Result<Packet, tonic::Status>> + Send + 'static>>;

#[tonic::async_trait]
impl FileSync for Folders {
    type DiffCopyStream = Packets;

    async fn diff_copy(
        &self,
        request: tonic::Request<tonic::Streaming<Packet>>,
    ) -> Result<tonic::Response<Self::DiffCopyStream>, tonic::Status> {
        let meta = request.metadata();
        let name = header_values(meta, "dir-name")
            .into_iter()
            .next()
            .unwrap_or_default();
        let source = self.0.get(&name).cloned().ok_or_else(|| {
            tonic::Status::not_found(format!("no access allowed to dir {name:?}"))
        })?;
        // BuildKit names what it reads as include patterns or, as Docker Engine 20.10's
        // does, as paths to follow (symbolic links on the way followed too).
        let mut includes = header_values(meta, "include-patterns");
        let follow = header_values(meta, "followpaths");
        if let Source::Dir(root) = &source {
            includes.extend(follow_links(root, &follow));
        } else {
            includes.extend(follow);
        }
        let filter = Filter::new(&includes, &header_values(meta, "exclude-patterns"));
        let mut inbound = request.into_inner();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Packet, tonic::Status>>(16);
        tokio::spawn(async move {
            let listed = tokio::task::spawn_blocking(move || list(&source, &filter)).await;
            let entries = match listed {
                Ok(Ok(e)) => e,
                Ok(Err(e)) => {
                    let mut p = packet(PacketType::PacketErr);
                    p.data = e.into_bytes();
                    let _ = tx.send(Ok(p)).await;
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Err(tonic::Status::internal(e.to_string()))).await;
                    return;
                }
            };
            // Numbered in listing order; only files have content to ask for.
            let mut contents: HashMap<u32, Content> = HashMap::new();
            for (i, e) in entries.into_iter().enumerate() {
                let id = u32::try_from(i).unwrap_or(u32::MAX);
                if let Some(c) = e.content {
                    contents.insert(id, c);
                }
                let mut p = packet(PacketType::PacketStat);
                p.stat = Some(e.stat);
                if tx.send(Ok(p)).await.is_err() {
                    return;
                }
            }
            if tx.send(Ok(packet(PacketType::PacketStat))).await.is_err() {
                return;
            }
            while let Some(Ok(p)) = futures_util::StreamExt::next(&mut inbound).await {
                match PacketType::try_from(p.r#type) {
                    Ok(PacketType::PacketReq) => {
                        let Some(c) = contents.remove(&p.id) else {
                            let mut e = packet(PacketType::PacketErr);
                            e.data = format!("invalid file id {}", p.id).into_bytes();
                            let _ = tx.send(Ok(e)).await;
                            return;
                        };
                        if let Err(why) = send_content(p.id, c, &tx).await {
                            let mut e = packet(PacketType::PacketErr);
                            e.data = why.into_bytes();
                            let _ = tx.send(Ok(e)).await;
                            return;
                        }
                    }
                    Ok(PacketType::PacketFin) => {
                        let _ = tx.send(Ok(packet(PacketType::PacketFin))).await;
                        return;
                    }
                    Ok(PacketType::PacketErr) => return,
                    _ => {}
                }
            }
        });
        let outbound = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        Ok(tonic::Response::new(Box::pin(outbound)))
    }

    type TarStreamStream = Packets;

    async fn tar_stream(
        &self,
        _request: tonic::Request<tonic::Streaming<Packet>>,
    ) -> Result<tonic::Response<Self::TarStreamStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("tar_stream"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.stat.path.as_str()).collect()
    }

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("temp dir");
        for f in [
            "Dockerfile",
            ".dockerignore",
            "a/b/c.txt",
            "a/z.txt",
            "a.txt",
            "node_modules/x/y.js",
            "node_modules/keep.js",
            "B",
        ] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, f).expect("write");
        }
        d
    }

    #[test]
    fn entries_come_in_walk_order_folders_before_what_they_hold() {
        let d = tree();
        let all = list(&Source::Dir(d.path().into()), &Filter::default()).expect("list");
        assert_eq!(
            paths(&all),
            [
                ".dockerignore",
                "B",
                "Dockerfile",
                "a",
                "a/b",
                "a/b/c.txt",
                "a/z.txt",
                "a.txt",
                "node_modules",
                "node_modules/keep.js",
                "node_modules/x",
                "node_modules/x/y.js",
            ]
        );
        let a = &all[3].stat;
        assert_eq!(a.mode & go_mode::DIR, go_mode::DIR);
        assert_eq!(all[2].stat.size, 10);
        assert_eq!(all[2].stat.mode & 0o777, all[2].stat.mode);
    }

    #[test]
    fn include_and_exclude_patterns_are_honoured() {
        let d = tree();
        let src = Source::Dir(d.path().into());
        let only = list(
            &src,
            &Filter::new(
                &["Dockerfile".into(), "Dockerfile.dockerignore".into()],
                &[],
            ),
        )
        .expect("list");
        assert_eq!(paths(&only), ["Dockerfile"]);
        let deep = list(&src, &Filter::new(&["a/b".into()], &[])).expect("list");
        assert_eq!(paths(&deep), ["a", "a/b", "a/b/c.txt"]);
        let ignored = list(
            &src,
            &Filter::new(
                &[],
                &[
                    "node_modules".into(),
                    "!node_modules/keep.js".into(),
                    "*.txt".into(),
                ],
            ),
        )
        .expect("list");
        assert_eq!(
            paths(&ignored),
            [
                ".dockerignore",
                "B",
                "Dockerfile",
                "a",
                "a/b",
                "a/b/c.txt",
                "a/z.txt",
                "node_modules",
                "node_modules/keep.js"
            ]
        );
    }

    #[test]
    fn followed_paths_take_their_links_targets_along() {
        let d = tree();
        std::os::unix::fs::symlink("a/b/c.txt", d.path().join("link")).expect("symlink");
        std::os::unix::fs::symlink("../B", d.path().join("a/up")).expect("symlink");
        assert_eq!(
            follow_links(d.path(), &["link".into(), "./a/up".into(), "a.txt".into()]),
            ["link", "a/b/c.txt", "a/up", "B", "a.txt"]
        );
        let filter = Filter::new(&follow_links(d.path(), &["link".into()]), &[]);
        let got = list(&Source::Dir(d.path().into()), &filter).expect("list");
        assert_eq!(paths(&got), ["a", "a/b", "a/b/c.txt", "link"]);
    }

    #[test]
    fn header_values_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Fb+c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("100%"), None);
    }
}
