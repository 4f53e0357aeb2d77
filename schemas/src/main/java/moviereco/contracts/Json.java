package moviereco.contracts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the contracts need, without a library (the jobs' jars each bring their own
 * Jackson): writing flat objects, and reading any JSON text into maps, lists, strings, numbers
 * (Long for integers, Double otherwise), booleans and null.
 */
public final class Json {
  private Json() {}

  /** A quoted, escaped JSON string. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    return sb.append('"').toString();
  }

  /**
   * A value as JSON: numbers as Java prints them ({@code Double.toString}, so a double reads back
   * exactly), except NaN and infinities, which JSON has no number for and are written as strings;
   * maps as objects in their order; anything else as a string.
   */
  public static String value(Object v) {
    if (v == null) return "null";
    if (v instanceof Boolean b) return b.toString();
    if (v instanceof Double d && (d.isNaN() || d.isInfinite())) return quote(d.toString());
    if (v instanceof Float f && (f.isNaN() || f.isInfinite())) return quote(f.toString());
    if (v instanceof Number n) return n.toString();
    if (v instanceof Map<?, ?> m) return object(m);
    return quote(String.valueOf(v));
  }

  /** A map as a JSON object, keys in the map's order. */
  public static String object(Map<?, ?> map) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (sb.length() > 1) sb.append(',');
      sb.append(quote(String.valueOf(e.getKey()))).append(':').append(value(e.getValue()));
    }
    return sb.append('}').toString();
  }

  /** Reads one JSON value; anything after it but whitespace is an error. */
  public static Object parse(String text) {
    Reader r = new Reader(text);
    Object v = r.value();
    r.skipSpace();
    if (r.pos != text.length()) throw r.error("unexpected text after the value");
    return v;
  }

  /** Reads a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map))
      throw new IllegalArgumentException("JSON: expected an object, got " + text);
    return (Map<String, Object>) v;
  }

  private static final class Reader {
    final String s;
    int pos;

    Reader(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("JSON: " + what + " at offset " + pos);
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    Object value() {
      skipSpace();
      if (pos >= s.length()) throw error("unexpected end");
      char c = s.charAt(pos);
      if (c == '{') return object();
      if (c == '[') return array();
      if (c == '"') return string();
      if (s.startsWith("true", pos)) return literal("true", Boolean.TRUE);
      if (s.startsWith("false", pos)) return literal("false", Boolean.FALSE);
      if (s.startsWith("null", pos)) return literal("null", null);
      return number();
    }

    Object literal(String text, Object v) {
      pos += text.length();
      return v;
    }

    Map<String, Object> object() {
      Map<String, Object> out = new LinkedHashMap<>();
      pos++;
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return out;
      }
      while (true) {
        skipSpace();
        if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a key");
        String key = string();
        skipSpace();
        expect(':');
        out.put(key, value());
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect('}');
        return out;
      }
    }

    List<Object> array() {
      List<Object> out = new ArrayList<>();
      pos++;
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return out;
      }
      while (true) {
        out.add(value());
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect(']');
        return out;
      }
    }

    void expect(char c) {
      if (pos >= s.length() || s.charAt(pos) != c) throw error("expected '" + c + "'");
      pos++;
    }

    String string() {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) throw error("unterminated string");
        char c = s.charAt(pos++);
        if (c == '"') return sb.toString();
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) throw error("unterminated string");
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) throw error("bad \\u escape");
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    Object number() {
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) pos++;
      String text = s.substring(start, pos);
      if (text.isEmpty()) throw error("unexpected character '" + s.charAt(pos) + "'");
      try {
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
          return Long.parseLong(text);
        }
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        pos = start;
        throw error("bad number '" + text + "'");
      }
    }
  }
}
