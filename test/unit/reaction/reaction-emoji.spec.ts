import { reactionProblem } from '../../../src/modules/reaction';

describe('reaction emoji rule', () => {
  it.each(['👍', '👍🏽', '❤️', '👨‍👩‍👧', '🏳️‍🌈', '🇫🇷', '1️⃣', '#️⃣', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', ':party_parrot:', ':+1:', ':a-b_c:'])('accepts %s', (emoji) => {
    expect(reactionProblem(emoji)).toBeUndefined();
  });

  it.each(['', 'a', 'ok', '1', '👍👍', '👍 ', ' 👍', '🇫', '\u200D', '\uFE0F', '\u0007', ':Party:', '::', ':a b:', `:${'x'.repeat(33)}:`, 'x'.repeat(100), '<b>'])(
    'refuses %j with a message saying what to send',
    (emoji) => {
      expect(reactionProblem(emoji)).toMatch(/one emoji .* or a :shortcode:/);
    },
  );
});
