/// Ed25519 verification of many events, spread over the machine's cores.
public enum SignatureCheck {
    /// The first event (in the given order) whose signature does not verify, or nil.
    public static func firstInvalid(_ events: [Event]) -> Event? {
        let ok = Parallel.map(events) { $0.hasValidSignature }
        return ok.firstIndex(of: false).map { events[$0] }
    }
}
