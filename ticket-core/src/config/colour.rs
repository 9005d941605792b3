//! HTML/CSS colours accepted in the styling rules.
//!
//! A colour is one of the 148 named colours of CSS Color Module Level 4 (`red`,
//! `rebeccapurple`, …) or `transparent`, compared case-insensitively, or a hexadecimal colour
//! `#rgb` / `#rrggbb` (either case). Other CSS forms (`rgb()`, `hsl()`, `#rgba`, system
//! colours, `currentcolor`) are refused: they are either not portable to a colour terminal or
//! depend on context.

/// The CSS named colours, sorted, lower case.
const NAMED: &[&str] = &[
    "aliceblue",
    "antiquewhite",
    "aqua",
    "aquamarine",
    "azure",
    "beige",
    "bisque",
    "black",
    "blanchedalmond",
    "blue",
    "blueviolet",
    "brown",
    "burlywood",
    "cadetblue",
    "chartreuse",
    "chocolate",
    "coral",
    "cornflowerblue",
    "cornsilk",
    "crimson",
    "cyan",
    "darkblue",
    "darkcyan",
    "darkgoldenrod",
    "darkgray",
    "darkgreen",
    "darkgrey",
    "darkkhaki",
    "darkmagenta",
    "darkolivegreen",
    "darkorange",
    "darkorchid",
    "darkred",
    "darksalmon",
    "darkseagreen",
    "darkslateblue",
    "darkslategray",
    "darkslategrey",
    "darkturquoise",
    "darkviolet",
    "deeppink",
    "deepskyblue",
    "dimgray",
    "dimgrey",
    "dodgerblue",
    "firebrick",
    "floralwhite",
    "forestgreen",
    "fuchsia",
    "gainsboro",
    "ghostwhite",
    "gold",
    "goldenrod",
    "gray",
    "green",
    "greenyellow",
    "grey",
    "honeydew",
    "hotpink",
    "indianred",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lavenderblush",
    "lawngreen",
    "lemonchiffon",
    "lightblue",
    "lightcoral",
    "lightcyan",
    "lightgoldenrodyellow",
    "lightgray",
    "lightgreen",
    "lightgrey",
    "lightpink",
    "lightsalmon",
    "lightseagreen",
    "lightskyblue",
    "lightslategray",
    "lightslategrey",
    "lightsteelblue",
    "lightyellow",
    "lime",
    "limegreen",
    "linen",
    "magenta",
    "maroon",
    "mediumaquamarine",
    "mediumblue",
    "mediumorchid",
    "mediumpurple",
    "mediumseagreen",
    "mediumslateblue",
    "mediumspringgreen",
    "mediumturquoise",
    "mediumvioletred",
    "midnightblue",
    "mintcream",
    "mistyrose",
    "moccasin",
    "navajowhite",
    "navy",
    "oldlace",
    "olive",
    "olivedrab",
    "orange",
    "orangered",
    "orchid",
    "palegoldenrod",
    "palegreen",
    "paleturquoise",
    "palevioletred",
    "papayawhip",
    "peachpuff",
    "peru",
    "pink",
    "plum",
    "powderblue",
    "purple",
    "rebeccapurple",
    "red",
    "rosybrown",
    "royalblue",
    "saddlebrown",
    "salmon",
    "sandybrown",
    "seagreen",
    "seashell",
    "sienna",
    "silver",
    "skyblue",
    "slateblue",
    "slategray",
    "slategrey",
    "snow",
    "springgreen",
    "steelblue",
    "tan",
    "teal",
    "thistle",
    "tomato",
    "turquoise",
    "violet",
    "wheat",
    "white",
    "whitesmoke",
    "yellow",
    "yellowgreen",
];

/// Whether `text` is an accepted colour (see the module docs).
pub fn is_valid_colour(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix('#') {
        return (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let lower = text.to_ascii_lowercase();
    lower == "transparent" || NAMED.binary_search(&lower.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_list_is_sorted_and_complete() {
        assert!(NAMED.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(NAMED.len(), 148);
    }

    #[test]
    fn accepts_names_and_hex() {
        for ok in [
            "red",
            "Red",
            "REBECCAPURPLE",
            "transparent",
            "#fff",
            "#A0b1C2",
        ] {
            assert!(is_valid_colour(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_other_forms() {
        for bad in [
            "",
            "#",
            "#ff",
            "#ffff",
            "#fffffff",
            "#ggg",
            "rgb(0,0,0)",
            "reddish",
            " red",
            "currentcolor",
        ] {
            assert!(!is_valid_colour(bad), "{bad}");
        }
    }
}
