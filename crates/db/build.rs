//! Hashes the migrations so that test template databases follow their changes.

use std::path::Path;

fn visit(dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            visit(&p, files);
        } else if let Ok(bytes) = std::fs::read(&p) {
            files.push((p.display().to_string(), bytes));
        }
    }
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    visit(&dir, &mut files);
    files.sort();
    // FNV-1a: stable across builds and toolchains.
    let mut h: u64 = 0xcbf29ce484222325;
    for (name, bytes) in &files {
        let name = name.rsplit("migrations").next().unwrap_or(name);
        for b in name.bytes().chain(bytes.iter().copied()) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    println!("cargo:rustc-env=RAPPORT_MIGRATIONS_HASH={h:016x}");
}
