/** Runnable examples of the runtime SDK. */
package dev.engram.runtime.example;
