//! The scenarios embedded in the binary, from `scenarios/*.toml`, and the
//! drawings they read (`scenarios/*.dxf`).

/// Name and text of each built-in scenario, sorted by name.
const BUILTINS: &[(&str, &str)] = &[
    ("mm3", include_str!("../../scenarios/mm3.toml")),
    ("sany18", include_str!("../../scenarios/sany18.toml")),
    ("sany18_dxf", include_str!("../../scenarios/sany18_dxf.toml")),
    (
        "sany18_lean_fleet",
        include_str!("../../scenarios/sany18_lean_fleet.toml"),
    ),
    (
        "sany18_campus",
        include_str!("../../scenarios/sany18_campus.toml"),
    ),
    (
        "sany18_two_way",
        include_str!("../../scenarios/sany18_two_way.toml"),
    ),
    (
        "sany18_weld_west",
        include_str!("../../scenarios/sany18_weld_west.toml"),
    ),
    ("small_plant", include_str!("../../scenarios/small_plant.toml")),
];

/// Files the built-in scenarios name (drawings), embedded with them.
const FILES: &[(&str, &[u8])] = &[(
    "sany18_hall.dxf",
    include_bytes!("../../scenarios/sany18_hall.dxf"),
)];

/// How the name of a built-in scenario's source begins (`builtin:sany18`).
pub(crate) const PREFIX: &str = "builtin:";

/// A file named by a built-in scenario, by its path as the scenario writes
/// it (relative to `scenarios/`).
pub(crate) fn builtin_file(path: &str) -> Option<&'static [u8]> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, bytes)| *bytes)
}

/// The names of the built-in scenarios, sorted.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}

/// The TOML text of a built-in scenario.
pub fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The `&'static` spelling of a built-in scenario's name.
pub(crate) fn builtin_name(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(n, _)| *n)
}
