/*
 * The API's errors in the reader's language. The server writes its messages in English and
 * names each error by a stable code (src/shared/errors.ts); the app translates the codes it
 * knows, then the error's HTTP class (`type`), and falls back to the server's own words. English
 * keeps the server's message, which is more precise than any class text. A test checks that
 * every key here is a code the server has, so the two lists cannot drift. (No import of
 * `defineMessages`: the server's tests read this file too, with Node's module resolution.)
 */
const en = {
  invalid_request: 'The request is invalid.',
  invalid_json: 'The request is not valid JSON.',
  payload_too_large: 'What was sent is too large.',
  unauthorized: 'You are signed out. Sign in again.',
  forbidden: 'Your role may not do this. Ask an owner or admin.',
  not_found: 'This does not exist (any more), or belongs to another workspace.',
  conflict: 'This conflicts with the current state. Reload and try again.',
  rate_limited: 'Too many attempts. Wait a moment and try again.',
  too_busy: 'Too many heavy requests right now. Try again in a moment.',
  overloaded: 'The server is busy. Try again in a moment.',
  unavailable: 'The service is unavailable for a moment. Try again soon.',
  internal: 'The server failed. Try again; if it keeps failing, tell the operator.',
  template_render_limit: 'The template is too heavy to render (time, size or memory).',
  template_render_error: 'The template failed to render.',
  template_render_busy: 'Too many renders are waiting. Try again in a moment.',
  'segment.edit_conflict': 'Someone else saved this segment after you opened it.',
  'journey.version_conflict': 'Someone else saved this journey after you opened it.',
  'template.edit_conflict': 'Someone else saved this template after you opened it.',
  'onsite.edit_conflict': 'Someone else saved this campaign after you opened it.',
  'snippet.edit_conflict': 'Someone else saved this snippet after you opened it.',
  'experiment.edit_conflict': 'Someone else saved this experiment after you opened it.',
  'brand.edit_conflict': 'Someone else saved the brand after you opened it.',
  'identity.edit_conflict': 'Someone else saved the identity rules after you opened them.',
  'recommendation.edit_conflict': 'Someone else saved these recommendation rules after you opened them.',
  'consent.topic_edit_conflict': 'Someone else changed this topic’s label after you opened it.',
  'template.invalid': 'The template does not compile; see the lines named.',
  'journey.definition_invalid': 'The journey has a problem; see the nodes named.',
  'journey.cannot_start': 'The journey cannot start yet; see the nodes named.',
  'profile.range_invalid': 'The date range is not valid: the start must come before the end.',
  'profile.cursor_invalid': 'This page link is out of date. Start from the first page.',
  'channels.range_invalid': 'The date range is not valid: the start must come before the end.',
  'channels.cursor_invalid': 'This page link is out of date. Start from the first page.',
  'channels.no_provider': 'No provider is set up for this channel yet (Settings → Channels).',
};
type ErrorKey = keyof typeof en;

// Typed by the English keys: a language missing one does not compile.
const ar: Record<ErrorKey, string> = {
  invalid_request: 'الطلب غير صالح.',
  invalid_json: 'الطلب ليس JSON صالحًا.',
  payload_too_large: 'ما أُرسل كبير جدًا.',
  unauthorized: 'تم تسجيل خروجك. سجّل الدخول مرة أخرى.',
  forbidden: 'دورك لا يسمح بهذا الإجراء. اطلب ذلك من المالك أو المسؤول.',
  not_found: 'هذا غير موجود (بعد الآن)، أو يتبع مساحة عمل أخرى.',
  conflict: 'هذا يتعارض مع الحالة الحالية. أعد التحميل وحاول مرة أخرى.',
  rate_limited: 'محاولات كثيرة جدًا. انتظر قليلًا ثم حاول مرة أخرى.',
  too_busy: 'طلبات ثقيلة كثيرة الآن. حاول بعد قليل.',
  overloaded: 'الخادم مشغول. حاول بعد قليل.',
  unavailable: 'الخدمة غير متاحة مؤقتًا. حاول قريبًا.',
  internal: 'حدث خطأ في الخادم. حاول مرة أخرى؛ وإن تكرر فأبلغ المشغّل.',
  template_render_limit: 'القالب أثقل من أن يُعرض (الوقت أو الحجم أو الذاكرة).',
  template_render_error: 'تعذّر عرض القالب.',
  template_render_busy: 'عمليات عرض كثيرة في الانتظار. حاول بعد قليل.',
  'segment.edit_conflict': 'حفظ شخص آخر هذه الشريحة بعد أن فتحتها.',
  'journey.version_conflict': 'حفظ شخص آخر هذه الرحلة بعد أن فتحتها.',
  'template.edit_conflict': 'حفظ شخص آخر هذا القالب بعد أن فتحته.',
  'onsite.edit_conflict': 'حفظ شخص آخر هذه الحملة بعد أن فتحتها.',
  'snippet.edit_conflict': 'حفظ شخص آخر هذا المقتطف بعد أن فتحته.',
  'experiment.edit_conflict': 'حفظ شخص آخر هذه التجربة بعد أن فتحتها.',
  'brand.edit_conflict': 'حفظ شخص آخر العلامة التجارية بعد أن فتحتها.',
  'identity.edit_conflict': 'حفظ شخص آخر قواعد الهوية بعد أن فتحتها.',
  'recommendation.edit_conflict': 'حفظ شخص آخر قواعد التوصيات هذه بعد أن فتحتها.',
  'consent.topic_edit_conflict': 'غيّر شخص آخر تسمية هذا الموضوع بعد أن فتحته.',
  'template.invalid': 'القالب لا يُترجم؛ راجع الأسطر المذكورة.',
  'journey.definition_invalid': 'في الرحلة مشكلة؛ راجع العُقد المذكورة.',
  'journey.cannot_start': 'لا يمكن بدء الرحلة بعد؛ راجع العُقد المذكورة.',
  'profile.range_invalid': 'نطاق التاريخ غير صالح: يجب أن تسبق البداية النهاية.',
  'profile.cursor_invalid': 'رابط هذه الصفحة قديم. ابدأ من الصفحة الأولى.',
  'channels.range_invalid': 'نطاق التاريخ غير صالح: يجب أن تسبق البداية النهاية.',
  'channels.cursor_invalid': 'رابط هذه الصفحة قديم. ابدأ من الصفحة الأولى.',
  'channels.no_provider': 'لم يُضبط مزوّد لهذه القناة بعد (الإعدادات ← القنوات).',
};

const ja: Record<ErrorKey, string> = {
  invalid_request: 'リクエストが正しくありません。',
  invalid_json: 'リクエストが正しい JSON ではありません。',
  payload_too_large: '送信内容が大きすぎます。',
  unauthorized: 'サインアウトしました。もう一度サインインしてください。',
  forbidden: 'このロールではこの操作はできません。オーナーか管理者に依頼してください。',
  not_found: '見つかりません（削除されたか、別のワークスペースのものです）。',
  conflict: '現在の状態と矛盾しています。再読み込みしてやり直してください。',
  rate_limited: '試行回数が多すぎます。少し待ってからやり直してください。',
  too_busy: '重いリクエストが集中しています。少し待ってからやり直してください。',
  overloaded: 'サーバーが混み合っています。少し待ってからやり直してください。',
  unavailable: '一時的に利用できません。しばらくしてからやり直してください。',
  internal: 'サーバーでエラーが起きました。やり直しても続く場合は運用者に連絡してください。',
  template_render_limit: 'テンプレートが重すぎて表示できません（時間・サイズ・メモリ）。',
  template_render_error: 'テンプレートを表示できませんでした。',
  template_render_busy: '表示待ちが多すぎます。少し待ってからやり直してください。',
  'segment.edit_conflict': 'このセグメントは、開いた後に他の人が保存しました。',
  'journey.version_conflict': 'このジャーニーは、開いた後に他の人が保存しました。',
  'template.edit_conflict': 'このテンプレートは、開いた後に他の人が保存しました。',
  'onsite.edit_conflict': 'このキャンペーンは、開いた後に他の人が保存しました。',
  'snippet.edit_conflict': 'このスニペットは、開いた後に他の人が保存しました。',
  'experiment.edit_conflict': 'この実験は、開いた後に他の人が保存しました。',
  'brand.edit_conflict': 'ブランドは、開いた後に他の人が保存しました。',
  'identity.edit_conflict': 'ID ルールは、開いた後に他の人が保存しました。',
  'recommendation.edit_conflict': 'このレコメンドルールは、開いた後に他の人が保存しました。',
  'consent.topic_edit_conflict': 'このトピックのラベルは、開いた後に他の人が変更しました。',
  'template.invalid': 'テンプレートをコンパイルできません。示された行を確認してください。',
  'journey.definition_invalid': 'ジャーニーに問題があります。示されたノードを確認してください。',
  'journey.cannot_start': 'ジャーニーをまだ開始できません。示されたノードを確認してください。',
  'profile.range_invalid': '期間が正しくありません。開始日は終了日より前にしてください。',
  'profile.cursor_invalid': 'このページのリンクは古くなっています。最初のページから開いてください。',
  'channels.range_invalid': '期間が正しくありません。開始日は終了日より前にしてください。',
  'channels.cursor_invalid': 'このページのリンクは古くなっています。最初のページから開いてください。',
  'channels.no_provider': 'このチャネルのプロバイダーがまだ設定されていません（設定 → チャネル）。',
};

export const errorMessages = { en, ar, ja };

function isErrorKey(value: string): value is ErrorKey {
  return Object.hasOwn(en, value);
}

/**
 * What to show for an API error in `locale`: the text by code, else by class, else the server's
 * message; `detail` is the server's own (English) message when the text is a translation.
 * @example errorText('ja', { code: 'forbidden', type: 'forbidden', message: 'analysts may not…' })
 */
export function errorText(locale: 'en' | 'ar' | 'ja', error: { code: string; type?: string | undefined; message: string }): { text: string; detail?: string } {
  if (locale === 'en') return { text: error.message };
  const key = isErrorKey(error.code) ? error.code : error.type !== undefined && isErrorKey(error.type) ? error.type : undefined;
  if (key === undefined) return { text: error.message };
  return { text: errorMessages[locale][key], detail: error.message };
}
