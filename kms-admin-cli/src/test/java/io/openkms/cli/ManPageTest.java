package io.openkms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The man page is made from the commands' own help (issue 16, item 10). */
class ManPageTest {

  @Test
  void thePageHasTheSectionsAndEveryCommand() {
    String page = ManPage.render("1.2.3");
    assertTrue(page.startsWith(".TH MINKMS 1 \"\" \"minkms 1.2.3\" \"User Commands\"\n"), page);
    for (String section :
        List.of(
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "COMMANDS",
            "ENVIRONMENT",
            "FILES",
            "EXIT STATUS",
            "SEE ALSO")) {
      assertTrue(page.contains("\n.SH " + section + "\n"), section);
    }
    for (String command :
        List.of("server", "add", "stat", "add\\-key", "keygen", "ls\\-identity")) {
      assertTrue(page.contains("\n.SS " + command + "\n"), command);
    }
    assertTrue(page.contains("MINIO_KMS_HSM_KEY"));
    assertEquals(
        1, page.split("\n\\.SS stat\n", -1).length - 1, "each command once, not per alias");
  }

  @Test
  void helpTextCannotStartARoffRequest() {
    assertEquals("\\&.hidden\nplain \\e and \\-\n", ManPage.verbatim(".hidden\nplain \\ and -\n"));
  }
}
