//! x
pub fn resolve_overlaps(_p: &mut Vec<super::Programme>) -> Vec<String> {
    Vec::new()
}
