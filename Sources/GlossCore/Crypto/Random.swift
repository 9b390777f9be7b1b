import COpenSSL

/// Cryptographic randomness from libcrypto's DRBG.
public enum SecureRandom {
    public static func bytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(n)) }
        precondition(ok == 1, "RAND_bytes failed: libcrypto could not gather entropy")
        return out
    }
}
