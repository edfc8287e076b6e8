//! `MotionMask`: one bit per coarse cell of a 16x9 grid over the picture — which cells had motion
//! (one per frame, or OR-ed over a second for Smart Motion Search) or which to ignore (what the
//! GUI paints). Raw bits only; the store owns how they go to disk. In settings (JSON) a mask is
//! 9 strings of 16 characters, one per row, `#` for a set cell and `.` for a clear one.

/// 16 columns x 9 rows = 144 bits. Bit `row * 16 + col` is byte `i / 8`, bit `i % 8` (LSB first),
/// so each row of cells is two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MotionMask([u8; MotionMask::BYTES]);

impl MotionMask {
    pub const COLS: usize = 16;
    pub const ROWS: usize = 9;
    pub const CELLS: usize = Self::COLS * Self::ROWS;
    pub const BYTES: usize = Self::CELLS / 8;
    pub const EMPTY: MotionMask = MotionMask([0; Self::BYTES]);
    pub const FULL: MotionMask = MotionMask([0xff; Self::BYTES]);

    /// Whether cell (`col`, `row`) is set; false outside the grid.
    pub fn get(&self, col: usize, row: usize) -> bool {
        col < Self::COLS && row < Self::ROWS && self.get_index(row * Self::COLS + col)
    }

    /// Sets or clears cell (`col`, `row`); ignored outside the grid.
    pub fn set(&mut self, col: usize, row: usize, on: bool) {
        if col < Self::COLS && row < Self::ROWS {
            self.set_index(row * Self::COLS + col, on);
        }
    }

    /// Cell `i` = `row * 16 + col`; false past the end.
    pub fn get_index(&self, i: usize) -> bool {
        i < Self::CELLS && self.0[i / 8] & (1 << (i % 8)) != 0
    }

    pub fn set_index(&mut self, i: usize, on: bool) {
        if i >= Self::CELLS {
            return;
        }
        if on {
            self.0[i / 8] |= 1 << (i % 8);
        } else {
            self.0[i / 8] &= !(1 << (i % 8));
        }
    }

    /// Number of cells set.
    pub fn count(&self) -> u32 {
        self.0.iter().map(|b| b.count_ones()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0 == [0; Self::BYTES]
    }

    /// Whether any cell is set in both.
    pub fn intersects(&self, other: &MotionMask) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }

    pub fn to_bytes(self) -> [u8; Self::BYTES] {
        self.0
    }

    pub fn from_bytes(bytes: [u8; Self::BYTES]) -> Self {
        MotionMask(bytes)
    }

    /// The cells set, as (col, row), row by row.
    pub fn cells(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..Self::CELLS).filter(|&i| self.get_index(i)).map(|i| (i % Self::COLS, i / Self::COLS))
    }
}

impl MotionMask {
    /// The rows as text (see the module comment).
    pub fn to_rows(&self) -> Vec<String> {
        (0..Self::ROWS).map(|r| (0..Self::COLS).map(|c| if self.get(c, r) { '#' } else { '.' }).collect()).collect()
    }

    /// Reads [`MotionMask::to_rows`]; an empty list is the empty mask.
    pub fn from_rows<S: AsRef<str>>(rows: &[S]) -> Result<Self, String> {
        if rows.is_empty() {
            return Ok(Self::EMPTY);
        }
        if rows.len() != Self::ROWS {
            return Err(format!("a motion mask has {} rows of {} cells, found {} rows", Self::ROWS, Self::COLS, rows.len()));
        }
        let mut mask = Self::EMPTY;
        for (r, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.chars().count() != Self::COLS {
                return Err(format!("row {} of the motion mask has {} cells, expected {}", r + 1, row.chars().count(), Self::COLS));
            }
            for (c, ch) in row.chars().enumerate() {
                match ch {
                    '#' => mask.set(c, r, true),
                    '.' => {}
                    other => return Err(format!("row {} of the motion mask: {other:?} is neither '#' nor '.'", r + 1)),
                }
            }
        }
        Ok(mask)
    }
}

impl serde::Serialize for MotionMask {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_empty() { Vec::<String>::new().serialize(s) } else { self.to_rows().serialize(s) }
    }
}

impl<'de> serde::Deserialize<'de> for MotionMask {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let rows = Vec::<String>::deserialize(d)?;
        MotionMask::from_rows(&rows).map_err(serde::de::Error::custom)
    }
}

impl std::ops::BitOr for MotionMask {
    type Output = MotionMask;
    fn bitor(mut self, rhs: MotionMask) -> MotionMask {
        self |= rhs;
        self
    }
}

impl std::ops::BitOrAssign for MotionMask {
    fn bitor_assign(&mut self, rhs: MotionMask) {
        self.0.iter_mut().zip(rhs.0).for_each(|(a, b)| *a |= b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_bits_and_bytes() {
        let mut m = MotionMask::EMPTY;
        m.set(0, 0, true);
        m.set(15, 8, true);
        m.set(3, 2, true);
        m.set(16, 0, true); // outside: ignored
        assert_eq!(m.count(), 3);
        assert!(m.get(3, 2) && !m.get(2, 3) && !m.get(16, 0));
        assert_eq!(m.cells().collect::<Vec<_>>(), [(0, 0), (3, 2), (15, 8)]);
        let bytes = m.to_bytes();
        assert_eq!((bytes[0], bytes[4], bytes[17]), (0b1, 0b1000, 0b1000_0000), "row 2 starts at byte 4");
        assert_eq!(MotionMask::from_bytes(bytes), m);
        m.set(3, 2, false);
        assert_eq!(m.count(), 2);
        assert_eq!(MotionMask::FULL.count(), 144);
    }

    #[test]
    fn masks_read_and_write_as_rows() {
        let mut m = MotionMask::EMPTY;
        m.set(15, 8, true);
        m.set(0, 0, true);
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.starts_with("[\"#...............\","), "{json}");
        assert_eq!(serde_json::from_str::<MotionMask>(&json).unwrap(), m);
        assert_eq!(serde_json::to_string(&MotionMask::EMPTY).unwrap(), "[]");
        assert_eq!(serde_json::from_str::<MotionMask>("[]").unwrap(), MotionMask::EMPTY);
        let err = serde_json::from_str::<MotionMask>("[\"#\"]").unwrap_err().to_string();
        assert!(err.contains("9 rows"), "{err}");
        let mut rows = MotionMask::EMPTY.to_rows();
        rows[2] = "......x.........".into();
        assert!(MotionMask::from_rows(&rows).unwrap_err().contains("row 3"));
    }

    #[test]
    fn or_accumulates_a_second() {
        let mut a = MotionMask::EMPTY;
        a.set(1, 1, true);
        let mut b = MotionMask::EMPTY;
        b.set(2, 1, true);
        let mut second = MotionMask::EMPTY;
        for frame in [a, b, a] {
            second |= frame;
        }
        assert_eq!(second, a | b);
        assert_eq!(second.count(), 2);
        assert!(second.intersects(&b) && !a.intersects(&b) && MotionMask::EMPTY.is_empty());
    }
}
