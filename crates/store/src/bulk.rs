//! Placeholders for multi-row statements. SQLite finds a numbered parameter (`$N`) by a linear
//! scan of the statement's parameter names, so binding N of them costs N²: nothing for the
//! usual handful, ruinous for an INSERT of a thousand rows. Bulk statements therefore use plain
//! `?` on SQLite and `$N` on PostgreSQL (which needs numbers), and bind every value in order.

use crate::db::Conn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    Numbered,
    Anonymous,
}

impl Placeholders {
    /// The style of the connection's backend.
    pub(crate) fn of_conn(conn: &Conn<'_>) -> Self {
        match conn {
            Conn::Sqlite(_) => Placeholders::Anonymous,
            Conn::Postgres(_) => Placeholders::Numbered,
        }
    }

    fn push(self, s: &mut String, n: usize) {
        match self {
            Placeholders::Anonymous => s.push('?'),
            Placeholders::Numbered => {
                s.push('$');
                s.push_str(&n.to_string());
            }
        }
    }

    /// `rows` groups of `per_row` placeholders, numbered from `first`, each group ending with
    /// `literal` (e.g. `, 'pending'`): `(…), (…)`.
    pub(crate) fn groups(self, rows: usize, per_row: usize, first: usize, literal: &str) -> String {
        let mut s = String::with_capacity(rows * (per_row * 6 + literal.len() + 4));
        for r in 0..rows {
            if r > 0 {
                s.push_str(", ");
            }
            s.push('(');
            for c in 0..per_row {
                if c > 0 {
                    s.push_str(", ");
                }
                self.push(&mut s, first + r * per_row + c);
            }
            s.push_str(literal);
            s.push(')');
        }
        s
    }

    /// `n` placeholders from `first`, comma-separated, for `IN (…)`.
    pub(crate) fn list(self, n: usize, first: usize) -> String {
        let mut s = String::with_capacity(n * 6);
        for i in 0..n {
            if i > 0 {
                s.push_str(", ");
            }
            self.push(&mut s, first + i);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::Placeholders::*;

    #[test]
    fn both_styles() {
        assert_eq!(
            Numbered.groups(2, 2, 3, ", 'x'"),
            "($3, $4, 'x'), ($5, $6, 'x')"
        );
        assert_eq!(Anonymous.groups(2, 2, 3, ""), "(?, ?), (?, ?)");
        assert_eq!(Numbered.list(3, 1), "$1, $2, $3");
        assert_eq!(Anonymous.list(2, 1), "?, ?");
    }
}
