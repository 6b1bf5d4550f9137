/**
 * English and Vietnamese: the console's own words here, the vocabulary (statuses, types,
 * lost reasons) from the backoffice's /v1/labels.
 */

const WORDS = {
  en: {
    title: "Sales Inquiries",
    signInTitle: "Sign in to the console",
    accessToken: "Access token",
    signIn: "Sign in",
    signOut: "Sign out",
    devSignIn: "Development sign-in",
    devHint: "Development only: sign in as any user of any merchant, without a token.",
    userId: "User id",
    merchant: "Merchant",
    language: "Language",
    sections: "Sections",
    inbox: "Inbox",
    stats: "Stats",
    inquiries: "Inquiries",
    filters: "Filters",
    status: "Status",
    all: "All",
    assignedToMe: "Assigned to me",
    search: "Search",
    loadMore: "Load more",
    noInquiries: "No inquiries match.",
    name: "Name",
    email: "Email",
    phone: "Phone",
    businessName: "Business name",
    businessSize: "Company size",
    industry: "Industry",
    website: "Website",
    country: "Country",
    type: "Inquiry type",
    subject: "Subject",
    message: "Message",
    locale: "Language of the prospect",
    source: "Source",
    assignee: "Assignee",
    received: "Received",
    overdue: "Overdue",
    unopened: "New",
    you: "you",
    nobody: "—",
    contact: "Contact",
    business: "Business",
    inquiry: "Inquiry",
    handling: "Handling",
    assignedAt: "Assigned at",
    assignedBy: "Assigned by",
    lastReply: "Last reply",
    repliedBy: "Replied by",
    repliedAt: "Replied at",
    firstRepliedAt: "First replied at",
    dueAt: "Reply due by",
    convertedAt: "Converted at",
    lostAt: "Lost at",
    lostReason: "Lost reason",
    lostNote: "Lost note",
    duplicateOf: "Repeat of",
    updated: "Updated",
    activity: "Activity",
    noActivity: "No activity yet.",
    back: "Back to the inbox",
    claim: "Claim",
    reply: "Reply",
    sendReply: "Send reply",
    markConverted: "Mark converted",
    markLost: "Mark lost",
    reason: "Reason",
    chooseReason: "Choose a reason",
    note: "Note (optional)",
    confirm: "Confirm",
    cancel: "Cancel",
    edit: "Edit",
    save: "Save",
    reload: "Reload",
    stale: "Someone changed this inquiry after you opened it. Reload to see their change, then edit again.",
    closed: "This inquiry is closed.",
    deleted: "This inquiry was deleted.",
    newInquiry: "New inquiry from {business}",
    liveOn: "Live",
    liveConnecting: "Connecting…",
    liveOff: "Live updates paused, reconnecting…",
    liveUnavailable: "Live updates unavailable",
    sessionEnded: "Your session ended ({reason}). Sign in again.",
    notAToken: "This is not an access token (expected a JWT).",
    tokenExpired: "This token has expired.",
    noMerchant: "This token does not allow listing any merchant's inquiries.",
    from: "From",
    to: "To",
    countsPerStatus: "Inquiries per status",
    firstReply: "Time to first reply",
    median: "Median",
    p90: "90th percentile",
    conversionRate: "Conversion rate",
    sla: "First-response target",
    slaTarget: "Target",
    slaMet: "Met",
    slaMissed: "Missed",
    slaOpenOverdue: "Open and overdue",
    volume: "Volume per day",
    volumeChart: "Inquiries submitted per day, {from} to {to}: {total} in all",
    noSeries: "This backoffice does not report a per-day series yet.",
    notAvailable: "n/a",
    action_created: "Created",
    action_submitted: "Submitted",
    action_assigned: "Claimed",
    action_replied: "Replied",
    action_converted: "Marked converted",
    action_lost: "Marked lost",
    action_updated: "Edited",
    action_deleted: "Deleted",
    action_restored: "Restored",
    action_overdue: "Became overdue",
    by: "by {actor}",
  },
  vi: {
    title: "Yêu cầu bán hàng",
    signInTitle: "Đăng nhập bảng điều khiển",
    accessToken: "Mã truy cập",
    signIn: "Đăng nhập",
    signOut: "Đăng xuất",
    devSignIn: "Đăng nhập phát triển",
    devHint: "Chỉ dùng khi phát triển: đăng nhập với bất kỳ người dùng, cửa hàng nào mà không cần mã.",
    userId: "Mã người dùng",
    merchant: "Cửa hàng",
    language: "Language",
    sections: "Mục",
    inbox: "Hộp thư",
    stats: "Thống kê",
    inquiries: "Yêu cầu",
    filters: "Bộ lọc",
    status: "Trạng thái",
    all: "Tất cả",
    assignedToMe: "Giao cho tôi",
    search: "Tìm kiếm",
    loadMore: "Tải thêm",
    noInquiries: "Không có yêu cầu phù hợp.",
    name: "Họ tên",
    email: "Email",
    phone: "Điện thoại",
    businessName: "Tên doanh nghiệp",
    businessSize: "Quy mô công ty",
    industry: "Ngành",
    website: "Trang web",
    country: "Quốc gia",
    type: "Loại yêu cầu",
    subject: "Chủ đề",
    message: "Nội dung",
    locale: "Ngôn ngữ của khách",
    source: "Nguồn",
    assignee: "Người phụ trách",
    received: "Nhận lúc",
    overdue: "Quá hạn",
    unopened: "Mới",
    you: "bạn",
    nobody: "—",
    contact: "Liên hệ",
    business: "Doanh nghiệp",
    inquiry: "Yêu cầu",
    handling: "Xử lý",
    assignedAt: "Phân công lúc",
    assignedBy: "Phân công bởi",
    lastReply: "Phản hồi gần nhất",
    repliedBy: "Phản hồi bởi",
    repliedAt: "Phản hồi lúc",
    firstRepliedAt: "Phản hồi đầu tiên lúc",
    dueAt: "Hạn phản hồi",
    convertedAt: "Chuyển đổi lúc",
    lostAt: "Thất bại lúc",
    lostReason: "Lý do thất bại",
    lostNote: "Ghi chú thất bại",
    duplicateOf: "Lặp lại của",
    updated: "Cập nhật",
    activity: "Hoạt động",
    noActivity: "Chưa có hoạt động.",
    back: "Quay lại hộp thư",
    claim: "Nhận xử lý",
    reply: "Phản hồi",
    sendReply: "Gửi phản hồi",
    markConverted: "Đánh dấu đã chuyển đổi",
    markLost: "Đánh dấu thất bại",
    reason: "Lý do",
    chooseReason: "Chọn lý do",
    note: "Ghi chú (không bắt buộc)",
    confirm: "Xác nhận",
    cancel: "Hủy",
    edit: "Sửa",
    save: "Lưu",
    reload: "Tải lại",
    stale: "Người khác đã thay đổi yêu cầu này sau khi bạn mở. Hãy tải lại để xem thay đổi rồi sửa lại.",
    closed: "Yêu cầu này đã đóng.",
    deleted: "Yêu cầu này đã bị xóa.",
    newInquiry: "Yêu cầu mới từ {business}",
    liveOn: "Trực tiếp",
    liveConnecting: "Đang kết nối…",
    liveOff: "Tạm dừng cập nhật trực tiếp, đang kết nối lại…",
    liveUnavailable: "Không có cập nhật trực tiếp",
    sessionEnded: "Phiên làm việc đã kết thúc ({reason}). Vui lòng đăng nhập lại.",
    notAToken: "Đây không phải mã truy cập (cần một JWT).",
    tokenExpired: "Mã truy cập đã hết hạn.",
    noMerchant: "Mã này không cho phép xem yêu cầu của cửa hàng nào.",
    from: "Từ ngày",
    to: "Đến ngày",
    countsPerStatus: "Số yêu cầu theo trạng thái",
    firstReply: "Thời gian phản hồi đầu tiên",
    median: "Trung vị",
    p90: "Phân vị 90",
    conversionRate: "Tỷ lệ chuyển đổi",
    sla: "Mục tiêu phản hồi đầu tiên",
    slaTarget: "Mục tiêu",
    slaMet: "Đạt",
    slaMissed: "Trễ",
    slaOpenOverdue: "Đang mở và quá hạn",
    volume: "Số lượng theo ngày",
    volumeChart: "Số yêu cầu mỗi ngày, từ {from} đến {to}: tổng {total}",
    noSeries: "Backoffice này chưa cung cấp số liệu theo ngày.",
    notAvailable: "không có",
    action_created: "Được tạo",
    action_submitted: "Được gửi",
    action_assigned: "Nhận xử lý",
    action_replied: "Đã phản hồi",
    action_converted: "Đánh dấu đã chuyển đổi",
    action_lost: "Đánh dấu thất bại",
    action_updated: "Được sửa",
    action_deleted: "Bị xóa",
    action_restored: "Được khôi phục",
    action_overdue: "Bị quá hạn",
    by: "bởi {actor}",
  },
};

export const LANGUAGES = { en: "English", vi: "Tiếng Việt" };
const STORE = "inquiries.console.language";

let language = localStorage.getItem(STORE) in WORDS ? localStorage.getItem(STORE) : "en";
/** @type {Record<string, Record<string, {en: string, vi: string}>>} */
let vocabulary = { statuses: {}, types: {}, lost_reasons: {} };

/** @returns {"en" | "vi"} */
export function currentLanguage() {
  return /** @type {"en" | "vi"} */ (language);
}

/** @param {string} code "en" or "vi" (remembered in localStorage: a preference, not a secret) */
export function setLanguage(code) {
  language = code in WORDS ? code : "en";
  localStorage.setItem(STORE, language);
  document.documentElement.lang = language;
}

/** @param {typeof vocabulary} labels the body of /v1/labels */
export function setVocabulary(labels) {
  vocabulary = labels;
}

/**
 * A console phrase, with `{name}` placeholders filled from `values`.
 * @param {keyof typeof WORDS.en} key
 * @param {Record<string, string | number>} [values]
 */
export function t(key, values = {}) {
  const text = WORDS[language][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/**
 * A vocabulary label ("statuses", "types", "lost_reasons"); the code itself when unknown.
 * @param {"statuses" | "types" | "lost_reasons"} kind
 * @param {string | null} code
 */
export function label(kind, code) {
  if (!code) return "";
  return vocabulary[kind]?.[code]?.[language] ?? code;
}

/** @param {"statuses" | "types" | "lost_reasons"} kind @returns {string[]} the codes, in server order */
export function codes(kind) {
  return Object.keys(vocabulary[kind] ?? {});
}

/** @param {string | null} iso a timestamp, shown in the reader's time zone */
export function formatTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(language === "vi" ? "vi-VN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** @param {number | null | undefined} seconds a duration, e.g. "1 h 5 min" */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return t("notAvailable");
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

setLanguage(language);
