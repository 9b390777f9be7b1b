/// Device linked (kind 10): `device`, a key of its own, now writes for `identity`. Signed (as an
/// event) by a device of that identity, and (as `consent`) by the new device itself, so nobody
/// can claim another person's key. Whether it takes effect is MERGE.md §18.
public struct DeviceLinked: Sendable, Equatable {
    public var identity: PublicKey
    public var device: PublicKey
    /// Ed25519 signature by `device` of `consentMessage(identity:device:)`: 64 bytes.
    public var consent: [UInt8]

    public init(identity: PublicKey, device: PublicKey, consent: [UInt8]) {
        self.identity = identity; self.device = device; self.consent = consent
    }

    /// A link whose consent `deviceKey` signs now.
    public init(identity: PublicKey, signingConsentWith deviceKey: SigningKey) {
        self.init(identity: identity, device: deviceKey.publicKey,
                  consent: deviceKey.sign(Self.consentMessage(identity: identity, device: deviceKey.publicKey)))
    }

    /// The domain tag of a consent: the ASCII bytes "gloss/device/link/v1" then one 0x00 byte.
    public static let consentDomainTag: [UInt8] = Array("gloss/device/link/v1".utf8) + [0]

    /// What the new device signs: the domain tag ‖ identity ‖ device (85 bytes).
    public static func consentMessage(identity: PublicKey, device: PublicKey) -> [UInt8] {
        consentDomainTag + identity.raw.bytes + device.raw.bytes
    }

    /// Whether `consent` is `device`'s signature of the consent message (EVENTS.md §5 rules).
    public var consentVerifies: Bool {
        device.verify(signature: consent[...], message: Self.consentMessage(identity: identity, device: device))
    }

    func encode(into w: inout ByteWriter) throws(DecodeError) {
        try check()
        w.raw(identity.raw.bytes); w.raw(device.raw.bytes); w.raw(consent)
    }
    private func check() throws(DecodeError) {
        guard consent.count == 64 else { throw DecodeError(.invalidField, "a consent is 64 bytes, got \(consent.count)") }
        guard device != identity else { throw DecodeError(.invalidField, "a device cannot be linked to itself as its identity") }
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> DeviceLinked {
        let identity = PublicKey(try r.id("identity"))
        let device = PublicKey(try r.id("device"))
        guard device != identity else { throw DecodeError(.invalidField, "a device cannot be linked to itself as its identity") }
        return DeviceLinked(identity: identity, device: device, consent: Array(try r.raw(64, "consent")))
    }
}

/// Device revoked (kind 11): `device` no longer writes for `identity`; its events with a seq
/// above `lastSeq` have no effect anywhere (MERGE.md §18). Any device of the identity may sign
/// it, the revoked one included.
public struct DeviceRevoked: Sendable, Equatable {
    public var identity: PublicKey
    public var device: PublicKey
    /// The revoked device's last seq that still counts; 0 when none does.
    public var lastSeq: UInt64

    public init(identity: PublicKey, device: PublicKey, lastSeq: UInt64) {
        self.identity = identity; self.device = device; self.lastSeq = lastSeq
    }

    func encode(into w: inout ByteWriter) throws(DecodeError) {
        try check()
        w.raw(identity.raw.bytes); w.raw(device.raw.bytes); w.u64(lastSeq)
    }
    private func check() throws(DecodeError) {
        guard lastSeq <= EventLimits.maxCounter else { throw DecodeError(.invalidField, "lastSeq \(lastSeq) is over 2^63 - 1") }
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> DeviceRevoked {
        let identity = PublicKey(try r.id("identity"))
        let device = PublicKey(try r.id("device"))
        let v = DeviceRevoked(identity: identity, device: device, lastSeq: try r.u64("lastSeq"))
        try v.check()
        return v
    }
}
