/// Random secrets: API keys, session cookies, CSRF tokens. Drawn from the system's CSPRNG.
public enum Secret {
    /// Lower-case letters and digits without look-alikes (l, 0, 1): keys people copy by hand.
    public static let readable = Array("abcdefghijkmnopqrstuvwxyz23456789")
    /// Letters and digits: 5.95 bits a character.
    public static let alphanumeric = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// `count` characters drawn uniformly from `alphabet`.
    public static func random(_ count: Int, from alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
