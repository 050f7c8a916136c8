//! The one walk over an asset's tree, shared by the fingerprint and staging, so that the
//! hash always covers exactly the bytes that are staged.
//!
//! The walk applies the rules once: excludes (checked on each entry's relative path), the
//! follow mode for symbolic links (a followed link is walked as its target under the link's
//! name, any other link is reported as a link), the refusal of links out of the tree, and
//! the detection of link loops. Directories are read in JavaScript sort order.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::fingerprint::js_string_cmp;
use super::glob::ExcludeSet;
use super::{AssetError, ExternalLinks, SymlinkFollow};

/// What the walk yields, in order: a directory before its entries.
pub(crate) enum Entry<'a> {
    /// A directory (the root one has `rel == ""`).
    Dir { rel: &'a str },
    /// A regular file to be hashed or copied from `real` (a followed link's target).
    File { rel: &'a str, real: &'a Path },
    /// A symbolic link that is not followed; `target` is its text as written.
    Link { rel: &'a str, target: &'a Path },
}

/// The rules of one walk.
pub(crate) struct Walk<'a> {
    pub excludes: &'a ExcludeSet,
    pub follow: SymlinkFollow,
    pub external_links: ExternalLinks,
}

impl Walk<'_> {
    /// Walks `root` (canonical; a directory or a file) and hands each entry to `visit`.
    pub(crate) fn run(
        &self,
        root: &Path,
        visit: &mut dyn FnMut(Entry<'_>) -> Result<(), AssetError>,
    ) -> Result<(), AssetError> {
        let is_dir = fs::metadata(root)
            .map_err(|e| AssetError::io(root, e))?
            .is_dir();
        // The directory that decides whether a link target is "inside".
        let follow_root = if is_dir {
            root.to_path_buf()
        } else {
            root.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let mut state = State {
            rules: self,
            follow_root,
            active_dirs: Vec::new(),
            visit,
        };
        state.visit("", root, is_dir)
    }
}

struct State<'a, 'v> {
    rules: &'a Walk<'a>,
    follow_root: PathBuf,
    /// Real directories being walked, to stop symbolic-link cycles.
    active_dirs: Vec<PathBuf>,
    visit: &'v mut dyn FnMut(Entry<'_>) -> Result<(), AssetError>,
}

impl State<'_, '_> {
    fn visit(&mut self, rel: &str, real: &Path, is_root_dir: bool) -> Result<(), AssetError> {
        if !is_root_dir && self.rules.excludes.excludes(rel) {
            return Ok(());
        }
        let meta = fs::symlink_metadata(real).map_err(|e| AssetError::io(real, e))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(real).map_err(|e| AssetError::io(real, e))?;
            let resolved = resolve_link(real, &target);
            if should_follow(self.rules.follow, &self.follow_root, &resolved) {
                if self.rules.external_links == ExternalLinks::Refuse
                    && !is_inside(&self.follow_root, &resolved)
                {
                    return Err(AssetError::ExternalSymlink {
                        link: real.to_path_buf(),
                        target: resolved,
                    });
                }
                return self.visit(rel, &resolved, false);
            }
            (self.visit)(Entry::Link {
                rel,
                target: &target,
            })
        } else if kind.is_file() {
            (self.visit)(Entry::File { rel, real })
        } else if kind.is_dir() {
            let canonical = fs::canonicalize(real).map_err(|e| AssetError::io(real, e))?;
            if self.active_dirs.contains(&canonical) {
                return Err(AssetError::SymlinkLoop {
                    path: real.to_path_buf(),
                });
            }
            (self.visit)(Entry::Dir { rel })?;
            self.active_dirs.push(canonical);
            for name in sorted_entries(real)? {
                if crate::cdk::cleanup::interrupted() {
                    return Err(AssetError::io(
                        real,
                        std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"),
                    ));
                }
                let child_rel = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                self.visit(&child_rel, &real.join(&name), false)?;
            }
            self.active_dirs.pop();
            Ok(())
        } else {
            Err(AssetError::NotFileOrDirectory {
                path: real.to_path_buf(),
            })
        }
    }
}

/// Directory entry names in JavaScript sort order.
fn sorted_entries(dir: &Path) -> Result<Vec<String>, AssetError> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| AssetError::io(dir, e))? {
        let entry = entry.map_err(|e| AssetError::io(dir, e))?;
        match entry.file_name().into_string() {
            Ok(name) => names.push(name),
            Err(raw) => {
                return Err(AssetError::NonUtf8Name {
                    path: dir.join(raw),
                })
            }
        }
    }
    names.sort_by(|a, b| js_string_cmp(a, b));
    Ok(names)
}

/// The link's target as an absolute, lexically normalized path (like `path.resolve`).
fn resolve_link(link: &Path, target: &Path) -> PathBuf {
    let base = link.parent().unwrap_or(Path::new("/"));
    normalize(&base.join(target))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// compat: "inside" is aws-cdk-lib's string prefix test, so `/a/rootx` counts as inside `/a/root`.
fn is_inside(root: &Path, resolved: &Path) -> bool {
    resolved
        .to_string_lossy()
        .starts_with(&*root.to_string_lossy())
}

fn should_follow(mode: SymlinkFollow, root: &Path, resolved: &Path) -> bool {
    let inside = || is_inside(root, resolved);
    let exists = || resolved.exists();
    match mode {
        SymlinkFollow::Never => false,
        SymlinkFollow::Always => exists(),
        SymlinkFollow::External => !inside() && exists(),
        SymlinkFollow::BlockExternal => inside() && exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_link_is_lexical() {
        assert_eq!(
            resolve_link(Path::new("/r/a/l"), Path::new("../b/./c")),
            PathBuf::from("/r/b/c")
        );
        assert_eq!(
            resolve_link(Path::new("/r/a/l"), Path::new("/x")),
            PathBuf::from("/x")
        );
    }
}
