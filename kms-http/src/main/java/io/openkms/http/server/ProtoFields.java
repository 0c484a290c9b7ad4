package io.openkms.http.server;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/** Reads one field of an encoded protobuf message without parsing its type (for the audit line). */
final class ProtoFields {

  private ProtoFields() {}

  /**
   * The string field {@code number} of {@code message} (the last occurrence); {@code ""} when it is
   * absent, not length-delimited or the message is malformed.
   */
  static String string(byte[] message, int number) {
    String found = "";
    try {
      CodedInputStream in = CodedInputStream.newInstance(message);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (WireFormat.getTagFieldNumber(tag) == number
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          found = in.readStringRequireUtf8();
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (IOException e) {
      return found;
    }
    return found;
  }
}
