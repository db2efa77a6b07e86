// The password strength estimate for the hint beside a new password (public/app.js loads
// this bundle only on pages that have such a field). zxcvbn-ts with its common and
// Japanese dictionaries: romanised Japanese words, names and keyboard patterns are
// recognised. Only a help: the server's password policy decides (SPEC D-13).
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as ja from '@zxcvbn-ts/language-ja';

const zxcvbn = new ZxcvbnFactory({
  translations: ja.translations,
  graphs: common.adjacencyGraphs,
  dictionary: { ...common.dictionary, ...ja.dictionary },
  useLevenshteinDistance: true,
});

/**
 * Score 0 (guessed at once) to 4 (very hard to guess), and the library's Japanese warning
 * and suggestions; `userInputs` are words of the page (the user ID, the name) to avoid.
 */
export function estimate(password, userInputs = []) {
  const result = zxcvbn.check(password, userInputs);
  return {
    score: result.score,
    warning: result.feedback.warning || '',
    suggestions: result.feedback.suggestions.filter(Boolean),
  };
}
