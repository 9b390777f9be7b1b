import COpenSSL

/// The system libcrypto Gloss runs on (`gloss --version`), as the library itself reports it.
public enum CryptoLibrary {
    public static var version: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }
}
