//! The layering of `src/` as a test: the libraries (`pipeline`, `server`, `signing`, `ui`, `storage`,
//! `queue`) and the leaves never reach up into the edge (`cli`, `config`, `cmd`), and no two top-level
//! modules import each other, directly or through others. Reads the sources as text (`crate::NAME`
//! references), so it needs no build tooling; it does not judge anything inside one module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module a source file belongs to (`src/server/conn.rs` -> `server`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Every `crate::NAME` a file refers to (comments included: a doc link upward is a smell too).
fn references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let before = text[..i].chars().next_back();
        // `$crate::` in macros and `playtube::`-style paths are not this crate's internal imports.
        if !name.is_empty() && before != Some('$') && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.insert(name);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let Some(module) = module_of(&src, path) else { continue };
        let text = std::fs::read_to_string(path).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(references(&text).into_iter().filter(|d| *d != module));
    }
    graph
}

#[test]
fn libraries_and_leaves_never_import_cli_config_or_cmd() {
    let edge = ["cli", "config", "cmd"];
    let mut offenders = Vec::new();
    for (module, deps) in graph() {
        if edge.contains(&module.as_str()) {
            continue;
        }
        for dep in deps.iter().filter(|d| edge.contains(&d.as_str())) {
            offenders.push(format!("{module} -> {dep}"));
        }
    }
    assert!(offenders.is_empty(), "library modules reaching into the edge: {offenders:?}");
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = graph();
    // Depth-first search with colours; report the first cycle as a path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for dep in graph.get(node).into_iter().flatten() {
            match state.get(dep.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == dep).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(dep.clone());
                    return Some(cycle);
                }
                0 if graph.contains_key(dep.as_str()) => {
                    if let Some(cycle) = visit(dep, graph, state, path) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(node, &graph, &mut state, &mut Vec::new()) {
                panic!("import cycle between top-level modules: {}", cycle.join(" -> "));
            }
        }
    }
}

#[test]
fn the_reference_scanner_finds_upward_imports_and_skips_macro_paths() {
    let text = "use crate::config::Settings;\nfoo($crate::serve_support::X);\nlet a = playtube::cli::Cli;";
    assert_eq!(references(text), BTreeSet::from(["config".to_owned()]));
}
