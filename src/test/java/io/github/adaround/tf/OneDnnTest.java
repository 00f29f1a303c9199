package io.github.adaround.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OneDnnTest {

  @Test
  void readsTheVariableAsTfDoes() {
    assertEquals("on", OneDnn.describe("1"));
    assertEquals("on", OneDnn.describe("TRUE"));
    assertEquals("off", OneDnn.describe("0"));
    assertEquals("off", OneDnn.describe("False"));
    assertEquals("TF's default", OneDnn.describe(null));
    assertEquals("TF's default", OneDnn.describe(""));
    assertEquals("TF's default", OneDnn.describe(" 1"));
  }
}
