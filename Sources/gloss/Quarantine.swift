import GlossCore

/// Warnings for events a relay left out because their stored rows are damaged.
enum Quarantine {
    /// One line per damaged row on standard error, then what it means for the peer.
    static func warn(_ quarantined: [(id: EventID, reason: String)], withheldChildren: Int, leftOutOf what: String) {
        guard !quarantined.isEmpty else { return }
        for q in quarantined {
            ProgressLine.toStandardError("warning: event \(q.id.hex) is damaged on disk (\(q.reason)); it is quarantined and left out of \(what)\n")
        }
        if withheldChildren > 0 {
            ProgressLine.toStandardError("warning: \(withheldChildren) event\(withheldChildren == 1 ? "" : "s") that depend on it were left out too (a peer could not store them without it)\n")
        }
        ProgressLine.toStandardError("warning: run `gloss verify` for details; a peer that holds the event intact can send it back\n")
    }
}
