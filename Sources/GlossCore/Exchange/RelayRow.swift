/// One stored row about to be relayed, whatever store it came from: the columns as read, to
/// be checked (`StoredRowCheck`) and passed through a `RelayFilter` before it leaves.
public enum RelayRow {
    /// The event to relay, or nil when the peer has it or `filter` withholds it (damaged rows,
    /// forked branches and their descendants). `bytes` is read only for rows the peer lacks.
    public static func relayable(idColumn: [UInt8], authorColumn: [UInt8], seq: Int64, tag: [UInt8]?,
                                 bytes: () throws -> [UInt8], peer: Frontier, filter: inout RelayFilter) rethrows -> Event? {
        // A column of the wrong size cannot be the row that was stored: quarantine it under
        // whatever id it shows (the schema's CHECKs make this a hand edit).
        let id = Hash32(idColumn.count == 32 ? idColumn : Array(repeating: 0, count: 32))
        guard authorColumn.count == 32 else {
            _ = filter.admit(id: id, .failure(StoredRowCheck.Damage(message: "its author column is not 32 bytes")))
            return nil
        }
        let author = PublicKey(Hash32(authorColumn))
        let seq = UInt64(max(0, seq))
        if filter.withholdsUnread(author: author, seq: seq, id: id) { return nil }
        if peer.covers(author, seq: seq) { return nil }
        let check = StoredRowCheck.check(bytes: try bytes(), idColumn: idColumn, tag: tag)
            .flatMap { e -> Result<Event, StoredRowCheck.Damage> in
                e.author == author && e.header.seq == seq
                    ? .success(e) : .failure(StoredRowCheck.Damage(message: "its author or seq column does not match its signed header"))
            }
        return filter.admit(id: id, check)
    }
}
