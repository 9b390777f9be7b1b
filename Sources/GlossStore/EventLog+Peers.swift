import GlossCore

/// A peer on the allow-list.
public struct AllowedPeer: Sendable, Equatable {
    public let key: PublicKey
    public let name: String
    public let added: Int64
}

extension EventLog {
    public func peers() throws(StoreError) -> [AllowedPeer] {
        try wrap {
            let s = try db.statement("SELECT key, name, added FROM peers ORDER BY added, key")
            var out: [AllowedPeer] = []
            while try s.step() { out.append(AllowedPeer(key: PublicKey(Hash32(s.blob(0))), name: s.text(1), added: s.int(2))) }
            return out
        }
    }

    /// Adds a peer, or renames one already there. Returns whether it was new.
    @discardableResult
    public func allowPeer(_ key: PublicKey, name: String) throws(StoreError) -> Bool {
        try wrap {
            try db.transaction {
                let exists = try db.statement("SELECT 1 FROM peers WHERE key = ?")
                exists.bind(1, blob: key.raw.bytes)
                let isNew = !(try exists.step())
                exists.reset()
                try db.statement("INSERT INTO peers(key, name, added) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET name = excluded.name")
                    .bind(1, blob: key.raw.bytes).bind(2, name).bind(3, Clock.nowMillis()).run()
                return isNew
            }
        }
    }

    /// Removes a peer; returns whether it was there.
    @discardableResult
    public func removePeer(_ key: PublicKey) throws(StoreError) -> Bool {
        try wrap {
            try db.transaction {
                try db.statement("DELETE FROM peers WHERE key = ?").bind(1, blob: key.raw.bytes).run()
                return db.changes > 0
            }
        }
    }
}
