/**
 * The message catalog (SPEC D-7): every text a screen shows as a message, by ID.
 * docs/messages.md is generated from this file (`npm run cli -- messages`) and a test
 * keeps the two in step. `{name}` placeholders are filled by `message()`.
 */
export const messages = {
  // Confirmations (the manual shows the first two).
  'info.regist.confirm': '下記の情報で登録します。よろしいですか。',
  'info.update.confirm': '下記の情報で変更します。よろしいですか。',
  'info.delete.confirm': '下記のユーザ情報を削除します。よろしいですか。',
  'info.bulkDelete.confirm': '選択したユーザ情報（{count}件）を一括削除します。よろしいですか。',
  'info.unlock.confirm': 'ユーザロックを解除します。よろしいですか。',
  'info.reissue.confirm': 'パスワードを再発行します。よろしいですか。',
  'info.csv.confirm': 'ユーザ情報をCSV出力します。よろしいですか。',

  // Completions.
  'info.regist.complete': 'ユーザ情報の登録が完了しました。',
  'info.update.complete': 'ユーザ情報の変更が完了しました。',
  'info.delete.complete': 'ユーザ情報の削除が完了しました。',
  'info.bulkDelete.complete': 'ユーザ情報の一括削除が完了しました（{count}件）。',
  'info.unlock.complete': 'ユーザロックの解除が完了しました。',
  'info.reissue.complete': 'パスワードの再発行が完了しました。',
  'info.password.changed': 'パスワードを変更しました。',
  'info.mail.notice': '対象のユーザと作業を行ったユーザにメールで通知します。',
  'info.logout': 'ログアウトしました。',
  'info.session.formKept':
    '入力中の内容は一時的に保存しました（パスワードを除く）。再度ログインすると、続きから操作できます。',
  'info.session.resume': '前回のセッションで入力した内容です。「続ける」を押すと、この内容で操作を続けます。',
  'info.session.extended': 'セッションを延長しました。',

  // Login and sessions (SPEC §4.11).
  'error.login.failed': 'ユーザIDまたはパスワードが正しくありません。',
  'error.login.locked':
    'ユーザがロックされているため、ログインできません。管理者にユーザロック解除を依頼してください。',
  'error.login.temporaryExpired':
    '仮パスワードの有効期間が過ぎています。管理者にパスワードの再発行を依頼してください。',
  'error.login.unavailable': 'このユーザは現在利用できません。管理者に確認してください。',
  'error.login.required': 'ユーザIDとパスワードを入力してください。',
  'error.login.rateLimited': '試行回数が多すぎます。しばらく待ってから再度お試しください。',
  'error.session.expired': 'セッションの有効期限が切れました。再度ログインしてください。',
  'info.password.mustChange': '仮パスワードでログインしています。新しいパスワードを設定してください。',

  // Second factor (SPEC D-22): the code step of a login.
  'info.login.codeRequired':
    '認証アプリに表示されている6桁の確認コードを入力してください。認証アプリを使えない場合は、リカバリーコードを入力できます。',
  'error.login.codeRequired': '確認コードを入力してください。',
  'error.login.codeFailed':
    'ユーザID、パスワードまたは確認コードが正しくありません。もう一度ログインしてください。',
  'error.login.challengeExpired':
    '確認コードの入力期限が切れました。もう一度ユーザIDとパスワードを入力してください。',
  'info.login.passkeyRequired': '登録したパスキーでログインしてください。',
  'error.login.passkeyFailed': 'パスキーで確認できませんでした。もう一度ログインをやり直してください。',

  // Account page (アカウント設定): second factor, own sessions.
  'info.secondFactor.mustEnrol':
    '所属する事業者の設定により、二要素認証（認証アプリ）の設定が必要です。設定が終わるまでほかの画面は利用できません。',
  'info.secondFactor.scan':
    '認証アプリでQRコードを読み取るか、シークレットキーを入力してから、アプリに表示された6桁の確認コードを入力してください。',
  'info.secondFactor.enabled':
    '二要素認証を設定しました。下記のリカバリーコードを保存してください。この画面を閉じると二度と表示できません。',
  'info.secondFactor.removed': '二要素認証を解除しました。',
  'error.secondFactor.codeWrong':
    '確認コードが正しくありません。認証アプリに表示されている最新のコードを入力してください。',
  'error.secondFactor.notPending':
    '二要素認証の設定が開始されていないか、すでに設定済みです。もう一度操作してください。',
  'error.secondFactor.alreadyEnabled': '二要素認証はすでに設定されています。',
  'error.secondFactor.notEnabled': '二要素認証は設定されていません。',
  'info.secondFactorReset.confirm':
    '下記のユーザの二要素認証（認証アプリ、リカバリーコード、パスキー）をリセットします。ログイン中のセッションは終了します。よろしいですか。',
  'info.secondFactorReset.complete': '二要素認証のリセットが完了しました。',
  'info.sessions.ended': 'セッションを終了しました。',
  'info.sessions.othersEnded': 'ほかのセッションをすべて終了しました（{count}件）。',
  'error.sessions.notFound': '対象のセッションはすでに終了しています。',
  'info.policy.confirm': '二要素認証の必須設定を「{value}」に変更します。よろしいですか。',
  'info.policy.changed':
    '二要素認証の必須設定を「{value}」に変更しました。登録作業者(管理者)にメールで通知します。',
  'info.policy.unchanged': '二要素認証の必須設定はすでに「{value}」です。',

  // Passkeys (SPEC D-22): registration and removal on the account page.
  'info.passkey.added': 'パスキーを登録しました。',
  'info.passkey.removed': 'パスキーを削除しました。',
  'error.passkey.nameRequired': 'パスキーの名前を入力してください。',
  'error.passkey.name': 'パスキーの名前は50文字以内で入力してください（制御文字は使用できません）。',
  'error.passkey.failed':
    'パスキーを登録できませんでした。時間が経ちすぎたか、応答が正しくありません。もう一度「パスキーを登録」を押してください。',
  'error.passkey.duplicate': 'このパスキーはすでに登録されています。',
  'error.passkey.tooMany':
    'パスキーは1ユーザにつき10個まで登録できます。不要なパスキーを削除してから登録してください。',
  'error.passkey.notFound': '対象のパスキーはすでに削除されています。',
  'error.passkey.cancelled':
    'パスキーの操作が取り消されたか、時間内に完了しませんでした。もう一度お試しください。',
  'error.passkey.unsupported':
    'このブラウザはパスキーに対応していません。認証アプリの確認コードを使用してください。',

  // Password change (SPEC §4.10, D-13).
  'error.password.currentWrong': '現在のパスワードが正しくありません。',
  'error.password.mismatch': '新しいパスワードと確認用のパスワードが一致しません。',
  'error.password.required': 'パスワードを入力してください。',
  'error.password.tooShort': 'パスワードは12文字以上で入力してください。',
  'error.password.tooLong': 'パスワードは128文字以内で入力してください。',
  'error.password.unprintable': 'パスワードに使用できない文字が含まれています。',
  'error.password.common': 'よく使われているパスワードのため使用できません。',
  'error.password.blank': 'パスワードに空白や見えない文字だけを使うことはできません。',
  'error.password.containsUserId': 'パスワードにユーザIDを含めることはできません。',
  'error.password.containsUserName': 'パスワードにユーザ名を含めることはできません。',
  'error.password.containsEmail': 'パスワードにメールアドレスの一部を含めることはできません。',
  'error.password.reused': '現在または直近3回以内に使用したパスワードは使用できません。',
  'error.password.policy': '新しいパスワードがパスワードの条件を{count}つ満たしていません。',

  // Field validation (SPEC §3, D-3..D-6).
  'error.field.required': '{field}を入力してください。',
  'error.field.text': '{field}は全角または半角文字50文字以内で入力してください（制御文字は使用できません）。',
  'error.field.operatorCode': '事業者コードは半角英数字（大文字）4文字で入力してください。',
  'error.field.userId': 'ユーザIDは半角英数字10文字以内で入力してください。',
  'error.field.userName': 'ユーザ名は50文字以内で入力してください。',
  'error.field.phone': '電話番号は半角数字で、3つの欄すべてに1〜5桁、合計10〜11桁で入力してください。',
  'error.field.email': '正しいメールアドレスを入力してください。',
  'error.field.role': '権限区分を指定してください。',
  'error.field.enabled': '有効/無効を指定してください。',
  'error.field.date': '{field}はyyyy/mm/dd形式の正しい日付で入力してください。',
  'error.field.dateOrder': '適用終了日は適用開始日以降の日付を入力してください。',
  'error.form.invalid': '入力内容に誤りがあります。各項目のメッセージを確認してください。',

  // User management (SPEC §4.1–§4.9, §4.12).
  'error.search.noHits': '検索条件に該当するユーザ情報はありません。',
  'error.user.notFound': '対象のユーザ情報が存在しません。',
  'error.user.limitReached': '登録作業者(一般)は1事業者につき最大8ユーザまでしか登録できません。',
  'error.user.staleUpdate':
    'ほかの操作によりユーザ情報が更新されています。入力内容はそのままです。各項目の現在の値を確認し、必要なら修正してから、もう一度[確認]をクリックしてください。',
  'error.user.deleted': '削除済みのユーザ情報は操作できません。',
  'error.user.adminCannotBeDeleted': '登録作業者(管理者)のユーザ情報は削除できません。',
  'error.user.ownEnabled': '自分のユーザの有効/無効は変更できません。',
  'error.user.adminEmailOwnOnly':
    '登録作業者(管理者)のメールアドレスは、本人のみ変更できます。本人に変更を依頼してください。',
  'error.user.notLocked': '対象のユーザはロックされていません。',
  'error.bulkDelete.noneSelected': '一括削除するユーザ情報を選択してください。',
  'error.bulkDelete.blocked': '次のユーザ情報は削除できないため、一括削除を中止しました: {users}',
  'error.csv.noHits': 'CSV出力の対象となるユーザ情報はありません。',
  'error.csv.tooMany':
    'CSV出力できる件数の上限（12,000件）を超えています（{count}件）。検索条件を絞り込んでください。',
  'error.csv.unencodable':
    'Shift_JIS（CP932）で表せない文字が含まれているため出力できません（{where}）。UTF-8で出力してください。',

  // List, search, detail and CSV export: additional messages.
  'info.list.remaining': '登録作業者(一般)はあと{remaining}名登録できます。',
  'info.list.limitReached':
    '登録できる登録作業者(一般)は{max}名までです。上限に達しているため登録できません。',

  // Register, change, delete, bulk delete, unlock, reissue: additional messages.
  'error.action.invalid':
    '確認画面の有効期限が切れたか、操作の内容が正しくありません。もう一度最初から操作してください。',
  'error.receipt.invalid':
    'この完了画面は表示できません。有効期限が切れたか、別のログインで実行された操作か、URLが正しくありません。一覧画面から最新の状態を確認してください。',

  // Bulk register (SPEC §4.12): the upload, the rows' errors by line and column, the limit of eight.
  'info.bulkRegist.confirm': '下記の{count}件のユーザ情報を登録します。よろしいですか。',
  'info.bulkRegist.complete': 'ユーザ情報の一括登録が完了しました（{count}件）。',
  'error.bulkRegist.fileRequired': 'CSVファイルを指定してください。',
  'error.bulkRegist.fileEmpty': '指定されたCSVファイルは空です（0バイト）。',
  'error.bulkRegist.fileTooLarge': 'CSVファイルのサイズが上限（1MB）を超えています。',
  'error.bulkRegist.upload':
    'アップロードされた内容を読み取れませんでした。画面を開き直して、CSVファイルを1つ指定してください。',
  'error.bulkRegist.tooManyLines':
    'CSVファイルの行数が上限（{limit}行）を超えています。空行を含めて{limit}行以内にしてください。',
  'error.bulkRegist.lineTooLong': 'CSVファイルの{line}行目が長すぎます（1行{limit}文字まで）。',
  'error.bulkRegist.tooManyColumns': 'CSVファイルの{line}行目の列数が上限（{limit}列）を超えています。',
  'error.bulkRegist.issuesOmitted': 'ほかに{count}件の誤りがあります（表示は最初の{limit}件までです）。',
  'error.bulkRegist.encoding':
    'CSVファイルを{encoding}として読み取れません。文字コード（UTF-8またはShift_JIS(CP932)）とファイルの種類を確認してください。',
  'error.bulkRegist.invalid':
    'CSVファイルに誤りがあるため、登録しませんでした（{count}件）。下記の一覧を確認し、修正したファイルで再度操作してください。',
  'error.bulkRegist.syntax':
    'CSVの形式に誤りがあります（引用符「"」の対応を確認してください）。この行以降は確認していません。',
  'error.bulkRegist.headerUnknown':
    '「{name}」は一括登録の列名ではありません。テンプレートの列名を使用してください。',
  'error.bulkRegist.headerMissing': '必須の列「{name}」がありません。',
  'error.bulkRegist.headerDuplicate': '列「{name}」が複数あります。',
  'error.bulkRegist.noRows': '登録するユーザ情報の行がありません。ヘッダ行の次の行から記入してください。',
  'error.bulkRegist.tooManyRows': '一括登録できるのは1ファイルにつき8件までです（データ行: {count}件）。',
  'error.bulkRegist.columnCount': 'この行の列数（{actual}）がヘッダ行の列数（{expected}）と一致しません。',
  'error.bulkRegist.phone':
    '電話番号は「03-1234-5678」のように半角数字をハイフン（-）で3つに区切って入力してください（各1〜5桁、合計10〜11桁）。',
  'error.bulkRegist.duplicateEmail': 'メールアドレスが{line}行目と重複しています。',
  'error.bulkRegist.remaining': 'あと{remaining}件まで登録できます（CSVファイルのデータ行: {count}件）。',

  // Mail and outbox: additional messages.

  // Audit records screen (SPEC §6).
  'error.audit.noHits': '検索条件に該当する監査ログはありません。',
  'error.audit.periodOrder': '期間（終了）は期間（開始）以降の日付を入力してください。',

  // Common.
  'error.forbidden': 'この操作を行う権限がありません。',
  'error.input.repeated':
    '「{field}」が複数回送信されました。画面を開き直してから、もう一度操作してください。',
  'error.input.tooLong': '「{field}」が長すぎます（{max}文字まで）。',
  'error.input.tooMany': '「{field}」の数が多すぎます。',
  'error.input.invalid': '「{field}」に使用できない文字または形式の値が含まれています。',
  'error.notFound': 'ページが見つかりません。',
  'error.csrf': '画面の有効期限が切れたか、不正な操作です。画面を開き直してから、もう一度操作してください。',
  'error.alreadyExecuted': 'この操作はすでに実行されています。一覧画面から最新の状態を確認してください。',
  'error.internal':
    'システムエラーが発生しました。時間をおいて再度お試しください。（問い合わせ番号: {requestId}）',
  'error.unavailable': '現在システムを利用できません。時間をおいて再度お試しください。',
} as const;

export type MessageId = keyof typeof messages;

/** The text of a message, with `{name}` placeholders filled. */
export function message(id: MessageId, params: Record<string, string | number> = {}): string {
  return messages[id].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
