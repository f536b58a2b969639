package dev.engram.broker.internal;

/** JAAS lines for the SASL login modules the embedded broker and its clients use. */
public final class SaslJaas {

    private SaslJaas() {}

    /** A SCRAM client login as {@code user}. */
    public static String scram(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + quote(user)
                + "\" password=\"" + quote(password) + "\";";
    }

    /** A PLAIN login as {@code user} that also accepts exactly that user (both ends in one process). */
    public static String plainSelf(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + quote(user)
                + "\" password=\"" + quote(password) + "\" user_" + user + "=\"" + quote(password) + "\";";
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
