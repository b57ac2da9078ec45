//! Parsers for weftd's `show` output (VPP's layouts, VPP-CLI.md), for
//! tests that assert on what an operator sees.

use std::collections::BTreeMap;

/// `show errors` as (node, reason) -> count. The reason is as printed:
/// cut to 35 characters (use [`reason`] for the expected key).
pub fn errors(text: &str) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        if line.len() < 80 {
            continue;
        }
        let count: u64 = line[..10].trim().parse().unwrap_or_else(|_| {
            panic!("show errors: bad count in `{line}`");
        });
        let node = line[10..45].trim().to_string();
        let reason = line[45..80].trim().to_string();
        *out.entry((node, reason)).or_default() += count;
    }
    out
}

/// A counter description as `show errors` prints it (35 columns).
pub fn reason(description: &str) -> String {
    description.chars().take(35).collect()
}

/// The counters of every interface in `show interface`, as (interface,
/// counter name) -> value (VPP layout: name and value from column 68 on,
/// only non-zero counters listed).
pub fn interface_counters(text: &str) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines().skip(1) {
        if !line.starts_with(' ') {
            current = line.split_whitespace().next().unwrap_or("").to_string();
        }
        if line.len() > 68
            && let Some((name, value)) = line[68..].trim().rsplit_once(' ')
        {
            let value = value
                .parse()
                .unwrap_or_else(|_| panic!("show interface: bad value in `{line}`"));
            out.insert((current.clone(), name.trim().to_string()), value);
        }
    }
    out
}

/// The `Used` column of `show buffers` (buffers allocated from the pool:
/// held by the kernel's rings or in flight in the graph).
pub fn buffers_used(text: &str) -> usize {
    let line = text
        .lines()
        .find(|l| l.starts_with("default-numa-0"))
        .unwrap_or_else(|| panic!("show buffers: no pool line in\n{text}"));
    line.split_whitespace()
        .last()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("show buffers: bad line `{line}`"))
}

/// The entries of `after` that differ from `before`, as increments.
pub fn moved(
    before: &BTreeMap<(String, String), u64>,
    after: &BTreeMap<(String, String), u64>,
) -> BTreeMap<(String, String), u64> {
    after
        .iter()
        .filter_map(|(k, &v)| {
            let b = before.get(k).copied().unwrap_or(0);
            (v != b).then(|| (k.clone(), v.wrapping_sub(b)))
        })
        .collect()
}

/// `(node, description)` pairs with counts, keyed as [`errors`] keys them.
pub fn error_keys(
    counters: impl IntoIterator<Item = ((&'static str, &'static str), u64)>,
) -> BTreeMap<(String, String), u64> {
    counters
        .into_iter()
        .map(|((n, d), c)| ((n.to_string(), reason(d)), c))
        .collect()
}

/// Interface counters with counts, keyed as [`interface_counters`] keys
/// them.
pub fn if_keys(
    counters: impl IntoIterator<Item = ((&'static str, &'static str), u64)>,
) -> BTreeMap<(String, String), u64> {
    counters
        .into_iter()
        .map(|((i, c), v)| ((i.to_string(), c.to_string()), v))
        .collect()
}
